import { Icon, type IconName } from "./Icon";
import { LEVEL_NAMES } from "../lib/ipc";
import type { Standing } from "../lib/ipc";

function Badge({
  icon,
  tone,
  kind,
  children,
  title,
}: {
  icon: IconName;
  tone: "good" | "warn" | "bad" | "neutral";
  kind: string;
  children: React.ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge badge-${tone} badge-${kind}`} title={title}>
      <Icon name={icon} />
      <span>{children}</span>
    </span>
  );
}

export function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? `Level ${level}`;
}

export function LevelBadge({ level }: { level: number | null }) {
  if (level === null) {
    return (
      <Badge icon="shield" tone="neutral" kind="level" title="The organization's catalog has no certification for this exact version">
        Not certified
      </Badge>
    );
  }
  const tone = level >= 2 ? "good" : level === 1 ? "warn" : "neutral";
  return (
    <Badge icon="shield" tone={tone} kind="level" title="Certification level (0-3)">
      Level {level} · {levelName(level)}
    </Badge>
  );
}

export function ScoreBadge({ score }: { score: number | null }) {
  if (score === null) {
    return (
      <Badge icon="gauge" tone="neutral" kind="score" title="No security score is known for this version">
        No score
      </Badge>
    );
  }
  const tone = score >= 80 ? "good" : score >= 50 ? "warn" : "bad";
  return (
    <Badge icon="gauge" tone={tone} kind="score" title="Security score (0-100)">
      Score {score}/100
    </Badge>
  );
}

export function OriginBadge({ origin }: { origin: string }) {
  const known: Record<string, [IconName, string, "good" | "neutral"]> = {
    official: ["building", "Official", "good"],
    verified: ["badge", "Verified publisher", "good"],
    community: ["people", "Community", "neutral"],
  };
  const [icon, label, tone] = known[origin] ?? ["people", origin, "neutral"];
  return (
    <Badge icon={icon} tone={tone} kind="origin" title="Who publishes it">
      {label}
    </Badge>
  );
}

export function VerdictBadge({ verdict, approved = false }: { verdict: "allow" | "warn" | "block"; approved?: boolean }) {
  if (verdict === "warn" && approved) {
    // It would ask, but the person chose "Always for this version": say what happens.
    return (
      <Badge icon="check" tone="good" kind="verdict">
        Approved by you
      </Badge>
    );
  }
  switch (verdict) {
    case "allow":
      return (
        <Badge icon="check" tone="good" kind="verdict">
          Allowed
        </Badge>
      );
    case "warn":
      return (
        <Badge icon="question" tone="warn" kind="verdict">
          Asks first
        </Badge>
      );
    case "block":
      return (
        <Badge icon="cross" tone="bad" kind="verdict">
          Blocked
        </Badge>
      );
  }
}

/** How much Gatehouse can vouch for what a server runs (DESIGN.md "Server identity"). */
export function StandingBadge({ standing, copy }: { standing: Standing; copy?: boolean }) {
  switch (standing) {
    case "verified":
      return (
        <Badge icon="badge" tone="good" kind="standing" title="Gatehouse installed these files and checks them before every start">
          {copy ? "Verified copy" : "Verified install"}
        </Badge>
      );
    case "named":
      return (
        <Badge icon="question" tone="neutral" kind="standing" title="A package named by version, downloaded by its runner">
          Named, not checked
        </Badge>
      );
    case "unbound":
      return (
        <Badge icon="question" tone="neutral" kind="standing" title="Gatehouse cannot tell which package this runs">
          Unknown code
        </Badge>
      );
  }
}

/** Why a server that is not verified shows no level, score or origin, in plain words. */
export function standingNote(standing: Standing, command: string): string | null {
  const runner = command.split(/[\\/]/).pop() ?? command;
  switch (standing) {
    case "verified":
      return null;
    case "named":
      return `Gatehouse cannot check what ${runner} downloads, so its certification, score and origin are unknown, whatever it is called.`;
    case "unbound":
      return "Gatehouse cannot tell what package this runs, so it has no certification, score or origin, whatever it is called.";
  }
}
