"""Progress of long work (`newscrawl crawl`, `newscrawl reextract`), on stderr, one row per site.

* On a terminal: a `rich` Live table (site, counters, rate, elapsed, state) redrawn in place at
  most 4 times a second; log lines and warnings scroll above it.
* Elsewhere (cron, systemd, the scheduler's log, a pipe): one plain line per row every
  NEWS_PROGRESS_INTERVAL seconds (crawler/settings.py), and a last one when the work ends::

      progress: laodong.vn: 120 pages, 31 new, 0 failed, 1.9 pages/s, 0:01:04 elapsed, running

* `--quiet`: nothing.

The display runs in its own thread and asks a `rows` callable for the current counters, so the
work never waits for it. An error in the display is logged once and the work goes on without it.
`newscrawl crawl --jobs N` shows its children's crawls: each child prints these lines to its
stderr (a pipe, so plain lines, at most a second apart), the parent reads them back with
`parse_line` (`ChildRows`) and shows them in its own display.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

logger = logging.getLogger(__name__)

LIVE_REFRESH_PER_SECOND = 4     # the terminal display: cheap, and never more often than this
RATE_WINDOW_SECONDS = 60.0      # the rate is measured over this last stretch of time
CHILD_INTERVAL_SECONDS = 1.0    # how often a `crawl --jobs` child reports to its parent


@dataclass
class Row:
    """One line of progress: `counts` in display order; the first is what `rate` counts."""
    name: str
    counts: dict[str, int]
    elapsed: float = 0.0
    state: str = "running"           # "waiting", "running", or how it ended ("finished", ...)
    rate: float | None = None        # per second; None: worked out by the display

    @property
    def unit(self) -> str:
        return next(iter(self.counts), "items")


def elapsed_text(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def format_line(row: Row) -> str:
    """The plain line of a row (the non-terminal display, and what `crawl --jobs` children say)."""
    counts = ", ".join(f"{value} {label}" for label, value in row.counts.items())
    return (f"progress: {row.name}: {counts}, {row.rate or 0:.1f} {row.unit}/s, "
            f"{elapsed_text(row.elapsed)} elapsed, {row.state}")


_LINE = re.compile(r"^progress: (?P<name>.+?): (?P<counts>(?:\d+ [a-z]+, )+)"
                   r"(?P<rate>[\d.]+) [a-z]+/s, (?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d) elapsed, "
                   r"(?P<state>.+)$")


def parse_line(line: str) -> Row | None:
    """The Row of a `format_line` line; None for any other line."""
    match = _LINE.match(line.rstrip("\r\n"))
    if match is None:
        return None
    counts = {label: int(value) for value, label in
              (item.split(" ") for item in match["counts"].rstrip(", ").split(", "))}
    elapsed = int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"])
    return Row(match["name"], counts, float(elapsed), match["state"], float(match["rate"]))


def choose_mode(quiet: bool) -> str:
    """'off' (--quiet), 'live' (stderr is a terminal) or 'lines'."""
    if quiet:
        return "off"
    try:
        from rich.console import Console
        console = Console(stderr=True)
        return "live" if console.is_terminal and not console.is_dumb_terminal else "lines"
    except Exception as exc:     # the display must not stop the work: plain lines then
        logger.warning("cannot set up the progress display (%r); printing lines instead", exc)
        return "lines"


class Progress:
    """The display of `rows()` in `mode` ('live', 'lines' or 'off'); a context manager.

    `start()` may be called more than once (the first call starts it), so work that forks
    processes first (reextract's pool) can start it once they exist."""

    def __init__(self, rows: Callable[[], list[Row]], mode: str, interval: float,
                 title: str = ""):
        self.rows = rows
        self.mode = mode
        self.interval = max(0.1, float(interval))
        self.title = title
        self._samples: dict[str, deque[tuple[float, int]]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live: Any = None
        self._started = False
        self._failed = False

    def __enter__(self) -> "Progress":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the rows, with their rates
    def _current(self) -> list[Row]:
        rows = self.rows()
        now = time.monotonic()
        for row in rows:
            if row.rate is not None and row.state != "running":
                continue
            first = next(iter(row.counts.values()), 0)
            samples = self._samples.setdefault(row.name, deque())
            samples.append((now, first))
            while len(samples) > 2 and now - samples[1][0] >= RATE_WINDOW_SECONDS:
                samples.popleft()
            then, before = samples[0]
            if row.state != "running" or now - then < 2.0:   # too short a stretch: the mean
                row.rate = first / row.elapsed if row.elapsed > 0 else 0.0
            else:
                row.rate = (first - before) / (now - then)
        return rows

    def _failure(self, exc: BaseException) -> None:
        """Said once; the display keeps trying (showing nothing while it fails)."""
        if not self._failed:
            self._failed = True
            logger.warning("the progress display failed (%r); the work goes on without it", exc)

    # -- start / stop
    def start(self) -> None:
        if self._started or self.mode == "off":
            return
        self._started = True
        try:
            if self.mode == "live":
                from rich.console import Console
                from rich.live import Live
                self._live = Live(get_renderable=self._render, console=Console(stderr=True),
                                  refresh_per_second=LIVE_REFRESH_PER_SECOND,
                                  redirect_stdout=True, redirect_stderr=True)
                self._live.start()
            else:
                self._thread = threading.Thread(target=self._print_every_interval,
                                                name="progress", daemon=True)
                self._thread.start()
        except Exception as exc:
            self._live = None
            self._failure(exc)

    def stop(self) -> None:
        """The last state, then the display ends (the work's own output may follow)."""
        if not self._started:
            return
        self._started = False
        self._stop.set()
        try:
            if self._live is not None:
                self._live.stop()     # draws the last state and leaves it on the screen
                self._live = None
            elif self._thread is not None:
                self._thread.join(timeout=5)
                self._print_lines(final=True)
        except Exception as exc:
            self._failure(exc)

    # -- the two displays
    def _print_every_interval(self) -> None:
        while not self._stop.wait(self.interval):
            self._print_lines()

    def _print_lines(self, final: bool = False) -> None:
        try:
            text = "".join(format_line(row) + "\n" for row in self._current()
                           if row.state != "waiting" and (final or row.state == "running"))
            if text:
                sys.stderr.write(text)
                sys.stderr.flush()
        except Exception as exc:
            self._failure(exc)

    def _render(self) -> Any:
        from rich.table import Table
        from rich.text import Text
        try:
            rows = self._current()
            table = Table(title=self.title or None, title_justify="left", box=None,
                          header_style="bold", pad_edge=False)
            table.add_column("site")
            labels = list(rows[0].counts) if rows else []
            for label in labels:
                table.add_column(label, justify="right")
            table.add_column(f"{labels[0] if labels else 'items'}/s", justify="right")
            table.add_column("elapsed", justify="right")
            table.add_column("state")
            styles = {"running": "green", "waiting": "dim", "finished": "bold"}
            for row in rows:
                waiting = row.state == "waiting"
                table.add_row(
                    row.name, *(("-" if waiting else str(row.counts.get(label, 0)))
                                for label in labels),
                    "-" if waiting else f"{row.rate or 0:.1f}",
                    "-" if waiting else elapsed_text(row.elapsed),
                    Text(row.state, style=styles.get(row.state, "yellow")))
            return table
        except Exception as exc:
            self._failure(exc)
            return Text("")


# -- where the rows come from -------------------------------------------------------------------

def crawl_row(name: str, crawler: Any) -> Row:
    """The progress of one Scrapy crawler, read from its stats (the same counters as its
    crawl_runs row: `crawler.runs.run_counters`)."""
    from datetime import datetime, timezone

    from crawler.runs import run_counters

    try:
        stats = crawler.stats
    except (AttributeError, RuntimeError):   # "not set yet": the crawl has not started
        stats = None
    values = dict(stats.get_stats()) if stats is not None else {}   # one atomic copy
    counters = run_counters(values)
    started = values.get("start_time")
    if started is None:
        state, elapsed = "waiting", 0.0
    elif values.get("finish_reason"):
        state = "finished" if values["finish_reason"] == "finished" else values["finish_reason"]
        elapsed = float(values.get("elapsed_time_seconds") or 0.0)
    else:
        state, elapsed = "running", (datetime.now(tz=timezone.utc) - started).total_seconds()
    return Row(name, {"pages": counters["pages_fetched"], "new": counters["articles_new"],
                      "failed": counters["articles_failed"]}, elapsed, state)


@dataclass
class ChildRows:
    """The rows of `crawl --jobs` children, from the progress lines on their stderr."""
    sites: list[str]
    _rows: dict[str, Row] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)
    _said: dict[str, str] = field(default_factory=dict)      # the state in its last line
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for site in self.sites:
            self._rows[site] = Row(site, {"pages": 0, "new": 0, "failed": 0}, 0.0, "waiting")

    def started(self, site: str) -> None:
        with self._lock:
            self._started[site] = time.monotonic()
            self._rows[site].state = "running"

    def read(self, site: str, stream: Any, passthrough: Callable[[str], None]) -> None:
        """Read a child's stderr to its end (a thread's work): progress lines update its row,
        every other line goes to `passthrough`."""
        for line in stream:
            row = parse_line(line)
            if row is None or row.name != site:
                try:
                    passthrough(line)
                except Exception as exc:    # our stderr is gone: keep reading the child's
                    logger.debug("cannot pass on a line of %s: %r", site, exc)
                continue
            with self._lock:
                self._rows[site].counts = row.counts
                self._said[site] = row.state

    def ended(self, site: str, returncode: int | None) -> None:
        with self._lock:
            row = self._rows[site]
            row.elapsed = time.monotonic() - self._started.get(site, time.monotonic())
            said = self._said.get(site, "running")
            if said != "running":          # the child's own last word: finished, shutdown...
                row.state = said
            else:
                row.state = "finished" if returncode == 0 else f"exit status {returncode}"
            row.rate = row.counts.get("pages", 0) / row.elapsed if row.elapsed > 0 else 0.0

    def __call__(self) -> list[Row]:
        now = time.monotonic()
        with self._lock:
            out = []
            for site in self.sites:
                row = self._rows[site]
                copy = Row(row.name, dict(row.counts), row.elapsed, row.state, row.rate)
                if row.state == "running":
                    copy.elapsed, copy.rate = now - self._started[site], None
                out.append(copy)
            return out
