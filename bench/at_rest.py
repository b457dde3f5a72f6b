"""The measurements of bench/app-at-rest.sh: the tray app's memory and CPU at rest and the
time to open its window. Prints the results file (Markdown) on stdout."""

import os
import re
import statistics
import subprocess
import sys
import time

APP, WORK = sys.argv[1], sys.argv[2]
DATA = os.environ["GATEHOUSE_DATA_DIR"]
# The window lives in a process of its own, which logs to its own file.
LOG = os.path.join(DATA, "logs", "window.log")
TICK = os.sysconf("SC_CLK_TCK")
READY = re.compile(r"the Servers view had its list (\d+) ms after the window was asked for")


def tree(pid):
    """`pid` and every living process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def name(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return "?"


def pss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def at_rest(pid, label, settle=5.0, window=10.0):
    """Memory by process and CPU over `window` seconds of nothing happening."""
    time.sleep(settle)
    pids = tree(pid)
    before = cpu_ticks(pids)
    time.sleep(window)
    used_ms = (cpu_ticks(pids) - before) * 1000 / TICK
    parts = [(name(p), pss_kib(p)) for p in pids]
    parts = [(n, kib) for n, kib in parts if kib > 0]
    total = sum(kib for _, kib in parts)
    return {"label": label, "parts": parts, "total": total, "cpu_ms": used_ms, "window": window}


def window_mapped():
    result = subprocess.run(["xwininfo", "-name", "Gatehouse"], capture_output=True, text=True)
    return result.returncode == 0 and "IsViewable" in result.stdout


def log_lines():
    try:
        return open(LOG).read().splitlines()
    except OSError:
        return []


def open_window():
    """(ms to the window on the display, ms to the Servers view's list), both from the second
    start: the list's moment is when the window process's log line about it appears."""
    seen = len(log_lines())
    start = time.monotonic()
    subprocess.run([APP], check=True, timeout=30)
    mapped = None
    ready = None
    deadline = start + 30
    while time.monotonic() < deadline and (mapped is None or ready is None):
        if mapped is None and window_mapped():
            mapped = (time.monotonic() - start) * 1000
        if ready is None:
            for line in log_lines()[seen:]:
                if READY.search(line):
                    ready = (time.monotonic() - start) * 1000
        time.sleep(0.01)
    if mapped is None or ready is None:
        sys.exit(f"the window did not open within 30 s (mapped {mapped}, ready {ready})")
    return mapped, ready


def close_window():
    subprocess.run([os.path.join(WORK, "close-window"), "Gatehouse"], check=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and window_mapped():
        time.sleep(0.05)
    if window_mapped():
        sys.exit("the window did not close")


def mib(kib):
    return f"{kib / 1024:.1f}"


def main():
    app = subprocess.Popen([APP, "--hidden"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        socket = os.path.join(DATA, "gatehouse.sock")
        deadline = time.monotonic() + 30
        while not os.path.exists(socket):
            if time.monotonic() > deadline:
                sys.exit("the app did not start listening within 30 s")
            time.sleep(0.05)
        if window_mapped():
            sys.exit("started with --hidden, the app showed a window")
        states = [at_rest(app.pid, "started at login (tray only)")]
        first = open_window()
        states.append(at_rest(app.pid, "window open (Servers view)"))
        close_window()
        states.append(at_rest(app.pid, "window closed again"))
        opens = []
        for _ in range(5):
            opens.append(open_window())
            time.sleep(1)
            close_window()
            time.sleep(1)
        states.append(at_rest(app.pid, "after five more opens and closes"))
    finally:
        app.terminate()
        app.wait(timeout=10)

    print("# The tray app at rest\n")
    print(f"`bench/app-at-rest.sh`, release build, under Xvfb ({time.strftime('%Y-%m-%d')}).")
    print("Memory is the proportional set size of the app and every process it started (WebKit's")
    print("web and network processes), read from `/proc/<pid>/smaps_rollup`; CPU is the user and")
    print("system time those processes used while nothing happened.\n")
    print("| state | memory (MiB) | CPU while idle | processes |")
    print("|---|---|---|---|")
    for state in states:
        parts = ", ".join(f"{n} {mib(kib)}" for n, kib in state["parts"])
        print(f"| {state['label']} | {mib(state['total'])} | {state['cpu_ms']:.0f} ms in {state['window']:.0f} s | {parts} |")
    rest, shown = states[0]["total"], states[1]["total"]
    print(f"\nWith the window open the app holds {shown / rest:.1f}× what it holds at rest.\n")
    mapped = [m for m, _ in [first] + opens]
    ready = [r for _, r in [first] + opens]
    print("Opening the window as the tray does (a second start hands over to the running app), six times:\n")
    print("| to | median | worst |")
    print("|---|---|---|")
    print(f"| the window on the display | {statistics.median(mapped):.0f} ms | {max(mapped):.0f} ms |")
    print(f"| the Servers view's list (the window's log) | {statistics.median(ready):.0f} ms | {max(ready):.0f} ms |")
    print("\nTargets (issue 21): under 80 MiB in all and no CPU at rest with the window closed;")
    print("under 1 s to the Servers view.")


main()
