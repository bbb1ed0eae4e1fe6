"""The long-running scheduler: APScheduler 3.x wiring, catch-up, signals, `--run-now`, `--list`.

Every enabled site is one APScheduler job (BackgroundScheduler, MemoryJobStore) whose cron
trigger is in the schedule's time zone, run by ``Runner.run_site`` (crawler/schedule/runner.py):

* ``max_instances=1``: a trigger that fires while the site's crawl still runs is skipped and
  logged; ``coalesce=True``: after a sleep, missed slots collapse into one run, if within
  ``misfire_grace_time``; a second scheduler on the same database refuses to start (lock file).
* The schedule itself is not stored: it is recomputed from the config at every start. What a
  persistent job store would add, running a slot missed while the scheduler was down, is done from
  crawl_runs instead (``catch_up``): if a site's latest slot lies within ``misfire_grace_time``
  and no run of the site started since that slot, it runs once at start. A restart therefore
  neither repeats a run nor loses one.
* On SIGTERM / SIGINT / SIGHUP the scheduler takes no new runs, stops the running crawl cleanly
  (``on_stop = "stop"``, the default) or lets it finish (``on_stop = "finish"``), records it and
  exits 0. A second signal hurries things up (SIGTERM now, or SIGKILL if SIGTERM was sent).

The log goes to stderr and the rotating file of ``[scheduler] log_file``, times in the schedule's
time zone with their offset.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.schedule.config import (
    DEFAULT_TIMEZONE,
    Config,
    SiteSchedule,
    human_duration,
    known_sites,
)
from crawler.schedule.runner import FileLock, Runner, lock_path
from crawler.store import NewsDB

log = logging.getLogger("newscrawl.scheduler")
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


# --- logging --------------------------------------------------------------------------------------

class _Formatter(logging.Formatter):
    """Log times in the schedule's time zone, with the offset, like the database's times."""

    def __init__(self, tz: ZoneInfo):
        super().__init__(LOG_FORMAT)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.tz).isoformat(timespec="milliseconds")


def setup_logging(config: Config | None, verbose: bool = False) -> None:
    """stderr, plus the rotating log file of `config` (created under its folder)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_newscrawl_scheduler", False):
            root.removeHandler(handler)
            handler.close()
    formatter = _Formatter(ZoneInfo(config.timezone if config else DEFAULT_TIMEZONE))
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if config is not None and config.log_file is not None:
        config.log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            config.log_file, maxBytes=config.log_max_bytes, backupCount=config.log_backups,
            encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._newscrawl_scheduler = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # APScheduler's own lines ("Running job ...", "skipped: maximum number of running
    # instances") repeat ours, which name the site; keep its errors.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.ERROR)


# --- catch-up -------------------------------------------------------------------------------------

def last_slot(schedule: SiteSchedule, timezone: str, now: datetime,
              within: float) -> datetime | None:
    """The latest slot of `schedule` (without jitter) in (now - within, now], or None."""
    trigger = schedule.trigger(timezone, jitter=False)
    t = trigger.get_next_fire_time(None, now - timedelta(seconds=within))
    last = None
    for _ in range(200_000):  # bounded: a second-scale cron over a long grace time
        if t is None or t > now:
            break
        last = t
        t = trigger.get_next_fire_time(t, t + timedelta(microseconds=1))
    return last


def missed_slot(db_path: Path, schedule: SiteSchedule, timezone: str, within: float,
                now: datetime | None = None) -> datetime | None:
    """The site's latest slot within `within` seconds if no run of the site started since it."""
    now = now or datetime.now(ZoneInfo(timezone))
    slot = last_slot(schedule, timezone, now, within)
    if slot is None:
        return None
    if db_path.exists():
        with NewsDB(db_path) as db:
            if db.run_started_since(schedule.site, slot):
                return None
    return slot


# --- the scheduler --------------------------------------------------------------------------------

def _install_signals(runner: Runner) -> None:
    def handler(signum, frame):
        before = runner.stop_level
        level = runner.request_stop()
        name = signal.Signals(signum).name
        if level == before:
            return
        if level == 1:
            what = ("stopping the running crawl cleanly" if runner.config.on_stop == "stop"
                    else "letting the running crawl finish (signal again to stop it)")
            log.warning("received %s: taking no new runs; %s", name, what)
        else:
            log.warning("received %s again: hurrying the running crawl", name)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, handler)


def build_scheduler(config: Config, runner: Runner):
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    tz = ZoneInfo(config.timezone)
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(config.max_parallel)},
        job_defaults={"max_instances": 1, "coalesce": True,
                      "misfire_grace_time": max(1, int(config.misfire_grace_time))},
        timezone=tz,
    )
    now = datetime.now(tz)
    for site in config.enabled_sites:
        schedule = config.sites[site]
        extra: dict[str, Any] = {}
        if config.catch_up:
            slot = missed_slot(config.db, schedule, config.timezone, config.misfire_grace_time,
                               now)
            if slot is not None:
                log.info("%s: the slot of %s was missed (no run since); running it now",
                         site, slot.isoformat(timespec="seconds"))
                extra["next_run_time"] = now
        scheduler.add_job(runner.run_site, trigger=schedule.trigger(config.timezone),
                          args=[site], id=site, name=f"crawl {site}", **extra)

    def on_event(event) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("%s: skipped the run due at %s: the previous run of this site is still "
                        "going", event.job_id, _when(event.scheduled_run_times))
        elif event.code == EVENT_JOB_MISSED:
            log.warning("%s: missed the run due at %s (more than %s late); next slot instead",
                        event.job_id, _when([event.scheduled_run_time]),
                        human_duration(config.misfire_grace_time))
        elif event.code == EVENT_JOB_ERROR:
            log.error("%s: run raised %r", event.job_id, event.exception)

    scheduler.add_listener(on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)

    def next_run(site: str) -> datetime | None:
        job = scheduler.get_job(site)
        return job.next_run_time if job is not None else None

    runner.next_run = next_run
    return scheduler


def _when(times) -> str:
    times = list(times or [])
    return times[-1].isoformat(timespec="seconds") if times else "?"


def serve(config: Config) -> int:
    """Run the schedule until a signal; exit status 0 after a clean stop."""
    if not config.enabled_sites:
        log.error("no site to schedule in %s", config.path or "the built-in defaults")
        return 2
    lock = FileLock(lock_path(config, "scheduler"))
    if not lock.acquire():
        log.error("another scheduler is already running on %s (lock %s); not starting",
                  config.db, lock.path)
        return 1
    try:
        NewsDB(config.db).close()  # create / upgrade the database before the first run
        runner = Runner(config)
        _install_signals(runner)
        scheduler = build_scheduler(config, runner)
        scheduler.start()
        log.info("scheduler started (pid %d): %s, database %s, times in %s", os.getpid(),
                 config.path or "built-in schedule", config.db, config.timezone)
        for job in scheduler.get_jobs():
            schedule = config.sites[job.id]
            log.info("%s: cron %r (+0-%s jitter), time limit %s; next run %s", job.id,
                     schedule.cron, human_duration(schedule.jitter),
                     human_duration(schedule.time_limit),
                     job.next_run_time.isoformat(timespec="seconds") if job.next_run_time else "-")
        # Wake the scheduler now and then: its timed wait runs on the monotonic clock, which
        # stands still while the machine sleeps, so a slot passed during sleep is seen on wake.
        while not runner.stop_requested.wait(config.wakeup_interval):
            scheduler.wakeup()
        scheduler.shutdown(wait=False)
        active = runner.active
        if active:
            log.info("waiting for the running crawl(s) to end: %s", ", ".join(active))
        if config.on_stop == "finish":
            bound = max(config.site(s).time_limit for s in config.sites) + config.kill_grace + 60
        else:
            bound = config.kill_grace + 60
        if not runner.wait_idle(timeout=bound):
            log.error("crawl(s) %s did not end in time; exiting anyway", ", ".join(runner.active))
            return 1
        log.info("scheduler stopped")
        return 0
    finally:
        lock.release()


def run_now(config: Config, sites: Sequence[str] = ()) -> int:
    """Crawl `sites` (default: every scheduled site) now, one after the other; 0 if every run
    finished (a skipped site counts as fine: its other crawl is still going), else 1."""
    sites = list(sites) or config.enabled_sites
    if not sites:
        log.error("no site to run in %s", config.path or "the built-in defaults")
        return 2
    log.info("database %s", config.db.resolve())
    runner = Runner(config)
    _install_signals(runner)
    ok = True
    for name in sites:
        if runner.stop_requested.is_set():
            break
        row = runner.run_site(name, why="run now")
        if row is None:
            continue  # skipped (already running elsewhere): logged
        ok = ok and row["status"] == "finished"   # exit status 3 (flagged) still counts
    if runner.stop_requested.is_set():
        ok = False
    return 0 if ok else 1


def last_runs(db_path: Path) -> dict[str, dict]:
    """The newest crawl_runs row of each spider ({} if there is no database yet)."""
    if not db_path.exists():
        return {}
    with NewsDB(db_path) as db:
        return db.latest_runs()


def list_jobs(config: Config, out=None) -> None:
    """Print each site's schedule, its next run and its last run."""
    out = out or sys.stdout
    tz = ZoneInfo(config.timezone)
    now = datetime.now(tz)
    last = last_runs(config.db)
    print(f"Schedule: {config.path or 'built-in defaults'}; times in {config.timezone}; "
          f"database {config.db}", file=out)
    rows = [("site", "cron", "jitter", "time limit", "next run (+jitter)", "last run")]
    for name, schedule in config.sites.items():
        if schedule.enabled:
            nxt = schedule.trigger(config.timezone, jitter=False).get_next_fire_time(None, now)
            next_text = nxt.strftime("%Y-%m-%d %H:%M:%S") if nxt else "-"
        else:
            next_text = "disabled"
        run = last.get(name)
        if run:
            exit_text = "" if run.get("exit_status") is None else f", exit {run['exit_status']}"
            last_text = f"{(run['started_at'] or '')[:19]} {run['status']}{exit_text}"
        else:
            last_text = "never"
        rows.append((name, schedule.cron, human_duration(schedule.jitter),
                     human_duration(schedule.time_limit), next_text, last_text))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip(), file=out)
    unscheduled = [s for s in safe_known_sites() if s not in config.sites]
    if unscheduled:
        print(f"Not scheduled (no [sites.NAME] table): {', '.join(unscheduled)}", file=out)


def safe_known_sites() -> list[str]:
    """The project's spiders, or [] when they cannot be loaded (the crawl will say why)."""
    try:
        return known_sites()
    except Exception:
        return []
