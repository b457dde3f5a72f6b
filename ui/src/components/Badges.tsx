import { Icon, type IconName } from "./Icon";
import { LEVEL_NAMES } from "../lib/ipc";
import type { Code, ReasonView, Standing } from "../lib/ipc";

/** The fact a badge shows, which the policy's reasons can be about. */
export type Fact = "level" | "score" | "origin" | "status";

/** Which badge each violation is about (`null`: none of them). Typed, so a new code is a decision here. */
const FACT_OF: Record<Code, Fact | null> = {
  artifact_modified: null,
  status_blocked: "status",
  status_deprecated: "status",
  deny_listed: null,
  not_allow_listed: null,
  origin_not_allowed: "origin",
  cert_level_below_min: "level",
  cert_level_unknown: "level",
  score_below_min: "score",
  score_unknown: "score",
  policy_stale: null,
  force_not_permitted: null,
};

/**
 * A badge's colour follows what the policy says about its fact, never the fact alone: a
 * score the policy blocks is red however high, one it asks about is amber, one it has
 * nothing against is green.
 */
export function toneFor(fact: Fact, reasons: ReasonView[]): "good" | "warn" | "bad" | "neutral" {
  const about = reasons.filter((reason) => FACT_OF[reason.code] === fact);
  if (about.some((reason) => reason.severity === "block")) return "bad";
  if (about.length > 0) return "warn";
  // Revoked or quarantined code: nothing about it is good news, whatever its level says.
  if (reasons.some((reason) => reason.code === "status_blocked")) return "neutral";
  return "good";
}

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

export function LevelBadge({ level, reasons }: { level: number | null; reasons: ReasonView[] }) {
  if (level === null) {
    return (
      <Badge icon="shield" tone={toneFor("level", reasons) === "good" ? "neutral" : toneFor("level", reasons)} kind="level" title="The organization's catalog has no certification for this exact version">
        Not verified
      </Badge>
    );
  }
  const tone = toneFor("level", reasons);
  return (
    <Badge icon="shield" tone={tone} kind="level" title="Certification level (0-3)">
      Level {level} · {levelName(level)}
    </Badge>
  );
}

export function ScoreBadge({ score, reasons }: { score: number | null; reasons: ReasonView[] }) {
  if (score === null) {
    return (
      <Badge icon="gauge" tone={toneFor("score", reasons) === "good" ? "neutral" : toneFor("score", reasons)} kind="score" title="No security score is known for this version">
        Score not verified
      </Badge>
    );
  }
  const tone = toneFor("score", reasons);
  return (
    <Badge icon="gauge" tone={tone} kind="score" title="Security score (0-100)">
      Score {score}/100
    </Badge>
  );
}

export function OriginBadge({ origin, reasons }: { origin: string; reasons: ReasonView[] }) {
  const known: Record<string, [IconName, string]> = {
    official: ["building", "Official"],
    verified: ["badge", "Verified publisher"],
    community: ["people", "Community"],
  };
  const [icon, label] = known[origin] ?? ["people", origin];
  const tone = toneFor("origin", reasons);
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
