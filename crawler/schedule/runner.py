"""One crawl in a child process, as the scheduler runs it (``Runner.run_site``).

The crawl is ``python -m crawler.cli crawl SITE --db DB -s ...`` (the Twisted reactor cannot be
restarted in one process), started by ``start_crawl`` in its own session so a terminal's Ctrl-C
reaches only the scheduler; `newscrawl crawl --jobs N` starts its children with the same
function. Its output goes to the scheduler's log, prefixed with the site. Past the site's
``time_limit`` it gets SIGTERM (Scrapy closes the spider cleanly: the run row becomes
'interrupted'), then SIGKILL after ``kill_grace`` seconds. Afterwards the run's crawl_runs row is
made final through the store: ``exit_status`` is set, a row left 'running' by a killed crawl is
closed, and a crawl that died before writing a row gets a 'failed' row with the exit status and
its last output line. One log line per run names the site and the outcome.

Never twice at once across processes: a per-site lock file (``FileLock``) is held while the crawl
runs, and a site with a 'running' crawl_runs row whose process is alive is skipped.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from crawler.schedule.config import REPO_ROOT, Config, SiteSchedule, human_duration
from crawler.store import NewsDB, now_iso

log = logging.getLogger("newscrawl.scheduler")
crawl_log = logging.getLogger("newscrawl.scheduler.crawl")


def crawl_command(site: str, db_path: str | os.PathLike[str] | None = None,
                  settings: dict[str, str] | None = None, options: Sequence[str] = ()) -> list[str]:
    """`newscrawl crawl SITE [--db DB] [-s NAME=VALUE ...] [OPTIONS]`, run by this Python."""
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", site]
    if db_path is not None:
        cmd += ["--db", str(Path(db_path).resolve())]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd + list(options)


def child_env() -> dict[str, str]:
    """This process's environment (proxy variables included) for a crawl process, with the
    source checkout importable and unbuffered output."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    if (REPO_ROOT / "crawler").is_dir():
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        if str(REPO_ROOT) not in paths:
            env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *paths])
    return env


def start_crawl(command: list[str], stdout: Any = subprocess.PIPE,
                stderr: Any = subprocess.STDOUT) -> subprocess.Popen:
    """Start one crawl process (a ``crawl_command``): no stdin, text output (by default piped,
    with stderr merged), the environment of ``child_env()``, and its own session, so a terminal's
    Ctrl-C reaches only its parent, which decides how to stop it. The one place that starts
    crawl processes: the scheduler's runs and `newscrawl crawl --jobs N`."""
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                            text=True, encoding="utf-8", errors="replace", env=child_env(),
                            start_new_session=True)


def _signal(proc: subprocess.Popen, sig: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(proc.pid, sig)   # its own session: the crawl and anything it started
        else:
            proc.send_signal(sig)


class FileLock:
    """An exclusive, non-blocking flock on a file under the database's folder."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def lock_path(config: Config, what: str) -> Path:
    """The lock file of `what` (a site, or "scheduler") beside the database."""
    return config.lock_dir / f"{config.db.stem}.{what}.lock"


class Runner:
    """Runs crawls in child processes, one per site at a time, and records each in crawl_runs."""

    def __init__(self, config: Config):
        self.config = config
        self.stop_requested = threading.Event()
        self.stop_level = 0                     # signals received
        self.next_run: Callable[[str], datetime | None] = lambda site: None
        self._cond = threading.Condition()
        self._active: dict[str, subprocess.Popen | None] = {}
        self._last_signal = float("-inf")

    # -- stopping
    def request_stop(self) -> int:
        """Count a stop request; one repeated within 2 s (e.g. `timeout` signals both the process
        and its group) counts once. Returns the stop level."""
        with self._cond:
            now = time.monotonic()
            repeated = self.stop_level and now - self._last_signal < 2.0
            self._last_signal = now
            if repeated:
                return self.stop_level
            self.stop_level += 1
            self.stop_requested.set()
            self._cond.notify_all()
            return self.stop_level

    @property
    def active(self) -> list[str]:
        with self._cond:
            return list(self._active)

    def wait_idle(self, timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._active:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(timeout=1.0 if left is None else min(left, 1.0))
        return True

    @contextlib.contextmanager
    def _tracked(self, site: str) -> Iterator[None]:
        with self._cond:
            self._active[site] = None
        try:
            yield
        finally:
            with self._cond:
                self._active.pop(site, None)
                self._cond.notify_all()

    # -- one run
    def run_site(self, site: str, why: str = "scheduled") -> dict | None:
        """Crawl `site` now (in a child process, with its time limit) and return its final
        crawl_runs row, or None when the run was skipped."""
        if self.stop_requested.is_set():
            log.info("%s: not started: the scheduler is stopping", site)
            return None
        lock = FileLock(lock_path(self.config, site))
        if not lock.acquire():
            log.warning("%s: skipped (%s): another scheduler process is crawling this site now "
                        "(lock %s)", site, why, lock.path)
            return None
        try:
            with self._tracked(site):
                return self._run(site, why)
        except Exception:
            log.exception("%s: the scheduler failed to run or record this crawl", site)
            return None
        finally:
            lock.release()

    def _run(self, site: str, why: str) -> dict | None:
        config = self.config
        if config.cluster is not None:
            return self._run_on_cluster(site, why)
        schedule = config.site(site)
        with NewsDB(config.db) as db:
            gone = db.mark_interrupted()
            if gone:
                log.info("%d earlier run(s) ended without finishing; marked 'interrupted'", gone)
            # bounded by age, so a pid reused by another program cannot block a site forever
            busy = db.live_run(site, max_age=2 * schedule.time_limit + config.kill_grace)
            before = db.last_run_id()
        if busy is not None:
            log.warning("%s: skipped (%s): run %s (pid %s, started %s) is still running",
                        site, why, busy["id"], busy["pid"], busy["started_at"])
            return None

        cmd = crawl_command(site, config.db, schedule.settings)
        started_at = now_iso()
        t0 = time.monotonic()
        log.info("%s: crawl starts (%s, time limit %s): %s", site, why,
                 human_duration(schedule.time_limit), shlex.join(cmd))
        proc = start_crawl(cmd)
        with self._cond:
            self._active[site] = proc
        tail: deque[str] = deque(maxlen=20)
        reader = threading.Thread(target=self._read_output, args=(site, proc, tail),
                                  name=f"crawl-output-{site}", daemon=True)
        reader.start()

        stop_reason, killed = self._wait(site, proc, schedule, t0)
        reader.join(timeout=5)
        rc = proc.returncode
        elapsed = time.monotonic() - t0
        row = self._finalize(site, proc.pid, before, rc, started_at, stop_reason, killed, tail)
        self._report(site, row, rc, elapsed, why, tail)
        return row

    def _run_on_cluster(self, site: str, why: str) -> dict | None:
        """schedule.toml has a [cluster] table: the crawl is a Scrapyd job on the least busy
        node (crawler/cluster/dispatch.py), followed to its end with the site's time limit
        (then cancelled: Scrapyd sends it SIGTERM), its run written by the cluster's writer."""
        from crawler.cluster.channel import ChannelError
        from crawler.cluster.dispatch import ClusterError, Dispatcher
        cluster, schedule = self.config.cluster, self.config.site(site)
        t0 = time.monotonic()
        try:
            dispatcher = Dispatcher(self.config.db, cluster.redis, cluster.nodes)
            dispatcher.check()
            jobs, skipped = dispatcher.dispatch([site], schedule.settings)
        except (ClusterError, ChannelError) as exc:
            log.error("%s: not crawled (%s): %s", site, why, exc)
            return None
        if not jobs:
            log.warning("%s: skipped (%s): %s", site, why, skipped.get(site))
            return None
        log.info("%s: job %s dispatched to %s (%s, time limit %s)", site, jobs[0].job,
                 jobs[0].node, why, human_duration(schedule.time_limit))
        stopping = (lambda: self.stop_level >= (1 if self.config.on_stop == "stop" else 2))
        still = dispatcher.follow(jobs, schedule.time_limit, should_stop=stopping)
        if still:
            log.error("%s: job %s still running after %s or the scheduler is stopping; "
                      "cancelling it", site, jobs[0].job, human_duration(schedule.time_limit))
            dispatcher.cancel(jobs[0])
            dispatcher.follow(still, self.config.kill_grace + 30)
        dispatcher.wait_applied(jobs, timeout=self.config.kill_grace + 300)
        row = dispatcher.runs(jobs)[0]
        took = human_duration(round(time.monotonic() - t0, 1))
        if row is None:
            log.error("%s: job %s on %s ended after %s; the writer recorded no run (is "
                      "`newscrawl cluster ingest` running?)", site, jobs[0].job, jobs[0].node,
                      took)
        else:
            (log.info if row["status"] == "finished" else log.error)(
                "%s: run %s on %s %s after %s: %s pages, %s new, %s failed%s", site, row["id"],
                row["node"], row["status"], took, row["pages_fetched"] or 0,
                row["articles_new"] or 0, row["articles_failed"] or 0,
                f" ({row['finish_reason']})" if row["status"] != "finished" else "")
        return row

    @staticmethod
    def _read_output(site: str, proc: subprocess.Popen, tail: deque) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                tail.append(line)
                crawl_log.info("[%s] %s", site, line)

    def _wait(self, site: str, proc: subprocess.Popen, schedule: SiteSchedule,
              t0: float) -> tuple[str | None, bool]:
        """Wait for the crawl; SIGTERM it past its time limit or when stopping, SIGKILL it
        `kill_grace` seconds later. Returns (why it was stopped or None, killed?)."""
        config = self.config
        deadline = t0 + schedule.time_limit
        stop_reason: str | None = None
        term_at: float | None = None
        term_level = 0
        killed = False
        while True:
            try:
                proc.wait(timeout=0.2)
                return stop_reason, killed
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            level = self.stop_level
            if term_at is None:
                if now >= deadline:
                    stop_reason = f"time limit {human_duration(schedule.time_limit)} exceeded"
                    log.error("%s: %s; stopping the crawl (SIGTERM)", site, stop_reason)
                elif (level >= 1 and config.on_stop == "stop") or level >= 2:
                    stop_reason = "scheduler stopping"
                    log.warning("%s: scheduler stopping; stopping the crawl (SIGTERM)", site)
                if stop_reason:
                    _signal(proc, signal.SIGTERM, group=False)
                    term_at, term_level = now, level
            elif not killed:
                hurry = level > term_level and level >= 2
                if now >= term_at + config.kill_grace or hurry:
                    log.error("%s: the crawl is still running %s after SIGTERM; killing it",
                              site, human_duration(round(now - term_at, 1)))
                    _signal(proc, signal.SIGKILL, group=True)
                    killed = True

    def _finalize(self, site: str, pid: int, before: int, rc: int, started_at: str,
                  stop_reason: str | None, killed: bool, tail: deque) -> dict | None:
        """Make the run's crawl_runs row final and return it."""
        with NewsDB(self.config.db) as db:
            run_id = db.run_of_process(site, pid, after=before)
            row = db.runs([run_id])[0] if run_id else None
            if row is not None:
                fields: dict[str, Any] = {}
                if row["status"] == "running":  # killed before it could close its run
                    fields["status"] = "interrupted" if stop_reason else "failed"
                    fields["finished_at"] = now_iso()
                    how = "killed (SIGKILL)" if killed else f"exit status {rc}"
                    fields["finish_reason"] = (f"{stop_reason}; {how}" if stop_reason
                                               else f"crawl process ended ({how}) without "
                                                    "closing its run")
                elif stop_reason and row["finish_reason"] == "shutdown":  # our SIGTERM
                    fields["finish_reason"] = f"shutdown ({stop_reason})"
                db.record_exit_status(row["id"], rc, **fields)
                run_id = row["id"]
            else:  # died before the crawl opened its run: record it ourselves
                last = tail[-1] if tail else "no output"
                reason = (f"{stop_reason}; " if stop_reason else "") + \
                    f"exit status {rc} before the crawl started: {last}"
                run_id = db.record_failed_start(site, pid, started_at,
                                                "interrupted" if stop_reason else "failed",
                                                reason, rc)
            found = db.runs([run_id])
        return found[0] if found else None

    def _report(self, site: str, row: dict | None, rc: int, elapsed: float, why: str,
                tail: deque) -> None:
        took = human_duration(round(elapsed, 1))
        if row is None:
            log.error("%s: crawl ended with exit status %s after %s; no crawl_runs row", site,
                      rc, took)
            return
        if row["status"] == "finished" and rc == 0:
            log.info("%s: run %s finished in %s: %s pages, %s new, %s updated, %s unchanged, "
                     "%s failed, %s errors (exit status 0)", site, row["id"], took,
                     row["pages_fetched"] or 0, row["articles_new"] or 0,
                     row["articles_updated"] or 0, row["articles_unchanged"] or 0,
                     row["articles_failed"] or 0, row["errors"] or 0)
            return
        if row["status"] == "finished":  # e.g. exit status 3: finished, but the site is flagged
            flag = f" (flag: {row['flag']})" if row.get("flag") else ""
            log.warning("%s: run %s finished in %s with exit status %s%s: %s new, %s errors",
                        site, row["id"], took, rc, flag, row["articles_new"] or 0,
                        row["errors"] or 0)
            return
        nxt = self.next_run(site)
        retry = f"; next try at {nxt.isoformat(timespec='minutes')}" if nxt else ""
        last = f"; last output: {tail[-1]}" if tail and rc not in (0, None) else ""
        log.error("%s: run %s %s (%s), exit status %s, after %s%s%s", site, row["id"],
                  (row["status"] or "?").upper(), row["finish_reason"] or "no reason", rc, took,
                  retry, last)
