"""What the progress display costs a crawl: the same crawl of the replay with `--quiet`, with
progress lines on a pipe (one a second per site) and with the live table on a pseudo-terminal.

    python -m bench.progress [--rounds 5] [--out bench/results/progress.md]

Each round crawls the six replay sites (pages we wrote, served on 127.0.0.1; DOWNLOAD_DELAY=0,
so the crawl is CPU-bound and any cost of the display shows) into a fresh database once per
mode, the modes in a rotating order. Per mode: the median wall seconds (process start to exit)
and CPU seconds (user + system of the crawl process), and the articles stored (the same in every
mode, or the comparison is void).
"""
from __future__ import annotations

import argparse
import os
import platform
import pty
import resource
import select
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from importlib.metadata import version

from replay.server import ReplayServer

REPO = Path(__file__).resolve().parent.parent
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
MODES = {
    "--quiet (no display)": ["--quiet"],
    "lines on a pipe, every 1 s": ["-s", "NEWS_PROGRESS_INTERVAL=1"],
    "live table on a pty": [],
}


def run(args: list[str], env: dict, on_pty: bool) -> tuple[float, float, int]:
    """(wall s, CPU s, exit status) of one `newscrawl crawl`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if on_pty:
        controller, terminal = pty.openpty()
        proc = subprocess.Popen(args, stdin=terminal, stdout=terminal, stderr=terminal, env=env,
                                cwd=REPO)
        os.close(terminal)
        while True:     # read the terminal as a terminal emulator would
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    if not os.read(controller, 65536):
                        break
                except OSError:
                    break
            elif proc.poll() is not None:
                break
        os.close(controller)
        proc.wait()
    else:
        proc = subprocess.run(args, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "progress.md"))
    args = parser.parse_args(argv)

    names = list(MODES)
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in names}
    with ReplayServer() as server, tempfile.TemporaryDirectory() as work:
        env = {**os.environ, **server.env(), "TERM": "xterm-256color", "COLUMNS": "120",
               "LINES": "40"}
        for round_ in range(args.rounds):
            for i in range(len(names)):
                name = names[(round_ + i) % len(names)]
                db = Path(work) / f"{round_}-{i}.db"
                command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), *FAST,
                           *MODES[name]]
                wall, cpu, status = run(command, env, on_pty=not MODES[name])
                with sqlite3.connect(db) as conn:
                    stored = conn.execute("select count(*) from articles").fetchone()[0]
                results[name].append((wall, cpu, stored))
                print(f"round {round_ + 1}: {name}: exit {status}, {wall:.2f} s wall, "
                      f"{cpu:.2f} s CPU, {stored} articles", flush=True)

    quiet_wall = statistics.median(r[0] for r in results[names[0]])
    quiet_cpu = statistics.median(r[1] for r in results[names[0]])
    lines = [
        "# Progress display: its cost to a crawl",
        "",
        f"`python -m bench.progress --rounds {args.rounds}`: the six replay sites (pages we wrote, "
        "on 127.0.0.1, DOWNLOAD_DELAY=0), a fresh database per run, modes in rotating order.",
        "",
        "| mode | runs | median wall s | vs --quiet | median CPU s | vs --quiet | articles stored |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        wall = statistics.median(r[0] for r in results[name])
        cpu = statistics.median(r[1] for r in results[name])
        stored = sorted({r[2] for r in results[name]})
        lines.append(f"| {name} | {len(results[name])} | {wall:.2f} | {wall - quiet_wall:+.2f} | "
                     f"{cpu:.2f} | {cpu - quiet_cpu:+.2f} | {', '.join(map(str, stored))} |")
    lines += ["", f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}, rich {version('rich')} (shared with other work, so "
              "small differences are noise).", ""]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
