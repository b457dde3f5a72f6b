// Small inline icons, so no badge relies on colour alone. Each is decorative: the text
// beside it says the same thing.
type Name =
  | "check"
  | "question"
  | "cross"
  | "shield"
  | "gauge"
  | "building"
  | "badge"
  | "people"
  | "sync"
  | "server"
  | "policy"
  | "activity"
  | "settings"
  | "download"
  | "apps"
  | "clock";

const paths: Record<Name, string> = {
  check: "M3 8.5l3 3 7-7",
  question: "M5.5 5.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5V10M8 12.5v.5",
  cross: "M4 4l8 8M12 4l-8 8",
  shield: "M8 1.5l5.5 2v4c0 3.5-2.4 6-5.5 7-3.1-1-5.5-3.5-5.5-7v-4z",
  gauge: "M2.5 11a5.5 5.5 0 1 1 11 0M8 11l3-4",
  building: "M3 14V3h7v11M10 6h3v8M5 5h2M5 8h2M5 11h2",
  badge: "M8 1.5l1.8 1.3 2.2-.1.7 2.1 1.8 1.3-.7 2.1.7 2.1-1.8 1.3-.7 2.1-2.2-.1L8 14.5l-1.8-1.3-2.2.1-.7-2.1-1.8-1.3.7-2.1-.7-2.1 1.8-1.3.7-2.1 2.2.1z",
  people: "M5.5 7a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM1.5 13c0-2.2 1.8-4 4-4s4 1.8 4 4M11 7a1.7 1.7 0 1 0 0-3.4M11.5 9c1.7.3 3 1.9 3 3.8",
  sync: "M13 6.5A5 5 0 0 0 3.6 5M3 9.5A5 5 0 0 0 12.4 11M13 2.5v4h-4M3 13.5v-4h4",
  server: "M2.5 3h11v4h-11zM2.5 9h11v4h-11zM5 5h.5M5 11h.5",
  policy: "M4 1.5h6l2.5 2.5v10.5h-8.5zM6 7h4.5M6 9.5h4.5M6 12h3",
  activity: "M1.5 8h3l2-5 3 10 2-5h3",
  settings: "M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4",
  download: "M8 2v8M4.5 6.5L8 10l3.5-3.5M2.5 13.5h11",
  apps: "M2 2.5h5v5h-5zM9 2.5h5v5h-5zM2 9.5h5v5h-5zM9 9.5h5v5h-5z",
  clock: "M8 14.5a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM8 4.5V8l2.5 1.5",
};

export function Icon({ name, size = 14 }: { name: Name; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={paths[name]} />
    </svg>
  );
}

export type IconName = Name;
