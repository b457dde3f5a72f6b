import { ConfirmWindow } from "./confirm/ConfirmWindow";
import { MainWindow } from "./MainWindow";

/** One bundle, two kinds of window: the main one and confirmation windows. */
export function App() {
  const confirm = /^#\/confirm\/(\d+)$/.exec(window.location.hash);
  if (confirm) return <ConfirmWindow number={Number(confirm[1])} />;
  return <MainWindow />;
}
