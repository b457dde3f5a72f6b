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
    if direct[1] != gated[1]:
        print(f"\nWARNING: byte counts differ: {direct[1]} direct, {gated[1]} through gatehouse")


if __name__ == "__main__":
    main()
