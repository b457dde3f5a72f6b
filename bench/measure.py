#!/usr/bin/env python3
"""Side-by-side measurements for bench/launch.sh: the same server started directly and
through `gatehouse run`, in one run on one machine. Prints a Markdown table."""

import json
import os
import statistics
import subprocess
import sys
import time


def first_byte(argv, env, runs):
    """Median and p90 milliseconds from spawn to the first byte on stdout."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        proc.stdout.read(1)
        samples.append((time.perf_counter_ns() - start) / 1e6)
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9)]


def round_trips(argv, env, count):
    """Median and p90 microseconds per request/response pair, sequentially."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0)
    out = proc.stdout
    samples = []
    buffered = b""
    for i in range(count):
        line = b'{"jsonrpc":"2.0","id":%d,"method":"ping"}\n' % i
        start = time.perf_counter_ns()
        proc.stdin.write(line)
        while b"\n" not in buffered:
            buffered += os.read(out.fileno(), 65536)
        _, buffered = buffered.split(b"\n", 1)
        samples.append((time.perf_counter_ns() - start) / 1e3)
    proc.stdin.close()
    proc.wait()
    samples.sort()
    return statistics.median(samples[100:] or samples), samples[int(len(samples) * 0.9)]


def throughput(argv, env):
    """MB/s of everything the server writes, read as fast as possible."""
    start = time.perf_counter_ns()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    total = 0
    while True:
        chunk = proc.stdout.read1(1 << 20)
        if not chunk:
            break
        total += len(chunk)
    proc.stdin.close()
    proc.wait()
    seconds = (time.perf_counter_ns() - start) / 1e9
    return total / seconds / 1e6, total


def whole_process(argv, env, runs):
    """Median milliseconds of a command run to completion."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(samples)


def phases(gatehouse, server, env, runs, work):
    """Median milliseconds of each phase of `gatehouse run`, from the marks the launcher
    writes with GATEHOUSE_LAUNCH_TIMINGS (milliseconds since main at the end of a phase),
    and the first byte measured from outside in the same runs."""
    marks_file = os.path.join(work, "phases.jsonl")
    if os.path.exists(marks_file):
        os.remove(marks_file)
    env = dict(env, GATEHOUSE_LAUNCH_TIMINGS=marks_file)
    first = first_byte([gatehouse, "run", server], env, runs)[0]
    per_phase = {}
    order = []
    with open(marks_file) as lines:
        for line in lines:
            previous = 0.0
            for name, at in json.loads(line):
                if name not in per_phase:
                    per_phase[name] = []
                    order.append(name)
                per_phase[name].append(at - previous)
                previous = at
    return [(name, statistics.median(per_phase[name])) for name in order], first


def main():
    gatehouse, servers = sys.argv[1], sys.argv[2]
    env = dict(os.environ)
    rows = []
    direct = first_byte([servers, "hello"], env, 200)
    gated = first_byte([gatehouse, "run", "@bench/hello"], env, 200)
    rows.append(("first byte, median (ms)", direct[0], gated[0], gated[0] - direct[0]))
    rows.append(("first byte, p90 (ms)", direct[1], gated[1], gated[1] - direct[1]))
    large = first_byte([gatehouse, "run", "@bench/hello-large"], env, 200)
    rows.append(("tree check of a 5 MB, 500-file package: first byte, median (ms), small vs large",
                 gated[0], large[0], large[0] - gated[0]))
    direct = round_trips([servers, "echo"], env, 10_000)
    gated = round_trips([gatehouse, "run", "@bench/echo"], env, 10_000)
    rows.append(("ping round trip, median (µs)", direct[0], gated[0], gated[0] - direct[0]))
    rows.append(("ping round trip, p90 (µs)", direct[1], gated[1], gated[1] - direct[1]))
    direct = throughput([servers, "flood", "256", str(1 << 20)], env)
    gated = throughput([gatehouse, "run", "@bench/flood"], env)
    rows.append(("1 MiB messages, throughput (MB/s)", direct[0], gated[0], gated[0] - direct[0]))
    print("| measure | direct | through gatehouse run | difference |")
    print("|---|---|---|---|")
    for name, a, b, d in rows:
        print(f"| {name} | {a:.2f} | {b:.2f} | {d:+.2f} |")
    breakdown(gatehouse, servers, env)
    if os.environ.get("BASELINE"):
        against_baseline(gatehouse, servers, env)
    if direct[1] != gated[1]:
        print(f"\nWARNING: byte counts differ: {direct[1]} direct, {gated[1]} through gatehouse")


def against_baseline(gatehouse, servers, env, rounds=600):
    """First byte of an older build (BASELINE, on its own copy of the same data) and of this
    one, launch by launch in turn with the server alone: on a shared machine whose speed
    drifts, only launches this close together compare fairly."""
    baseline = os.environ["BASELINE"]
    baseline_env = dict(env, GATEHOUSE_DATA_DIR=os.environ["BASELINE_DATA"])
    runs = {"direct": [], "baseline": [], "this build": []}
    for _ in range(rounds):
        runs["direct"].append(first_byte([servers, "hello"], env, 1)[0])
        runs["baseline"].append(first_byte([baseline, "run", "@bench/hello"], baseline_env, 1)[0])
        runs["this build"].append(first_byte([gatehouse, "run", "@bench/hello"], env, 1)[0])
    direct = statistics.median(runs["direct"])
    print()
    print(f"## Against an older build, launch by launch in turn ({rounds} rounds)")
    print()
    print(f"Baseline: `{os.environ.get('BASELINE_LABEL', baseline)}`.")
    print()
    print("| first byte (ms) | median | p90 | added to the first byte, median |")
    print("|---|---|---|---|")
    for name, samples in runs.items():
        samples.sort()
        median = statistics.median(samples)
        added = "" if name == "direct" else f"{median - direct:+.2f}"
        print(f"| {name} | {median:.2f} | {samples[int(len(samples) * 0.9)]:.2f} | {added} |")


def breakdown(gatehouse, servers, env):
    """Where the launcher's added time goes, phase by phase."""
    work = os.path.dirname(servers)
    hello = whole_process([servers], env, 200)  # prints its usage and exits
    version = whole_process([gatehouse, "--version"], env, 200)
    marks, first = phases(gatehouse, "@bench/hello", env, 200, work)
    print()
    print("## Where the time goes (median of 200 launches of @bench/hello, ms)")
    print()
    print("| phase | ms |")
    print("|---|---|")
    print(f"| process start: `gatehouse --version` as a whole process, minus a C program that exits ({version:.2f} - {hello:.2f}) | {version - hello:.2f} |")
    labels = {
        "environment_read": "start to the environment read (argument parsing, runtime, the hub's data dir decided, logger)",
        "store_opened": "store open (SQLite, WAL, schema version checked, settings)",
        "server_read": "the server's row",
        "snapshot_verified": "snapshot: signature checked, this server's slice loaded",
        "tree_checked": "tree check of the installed files",
        "decided": "policy evaluation",
        "audited": "audit row committed (before the spawn)",
        "spawning": "keyring secrets, environment filtered, policy watch set up",
    }
    total = 0.0
    for name, ms in marks:
        total += ms
        print(f"| {labels.get(name, name)} | {ms:.2f} |")
    print(f"| in-process total, main to spawn | {total:.2f} |")
    print(f"| first byte through `gatehouse run` in the same runs | {first:.2f} |")


if __name__ == "__main__":
    main()
