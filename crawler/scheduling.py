"""The nightly schedule: `python scheduler.py` / `newscrawl schedule`.

One long-running process (systemd, tmux, a container) that crawls each site on its own cron
schedule, in Asia/Ho_Chi_Minh time, with APScheduler 3.x:

    python scheduler.py                      # run the schedule until SIGTERM / Ctrl-C
    python scheduler.py --list               # each site's schedule, next run and last run
    python scheduler.py --run-now [SITE]     # crawl SITE (default: every scheduled site) now, exit
    python scheduler.py --config PATH        # default: ./schedule.toml, else the repository's

How a run works (``Runner.run_site``): the crawl is a child process
``python -m crawler.cli crawl SITE --db DB -s ...`` (the Twisted reactor cannot be restarted in
one process), started in its own session so a terminal's Ctrl-C reaches only the scheduler. Its
output goes to the scheduler's log, prefixed with the site. Past the site's ``time_limit`` it gets
SIGTERM (Scrapy closes the spider cleanly: the run row becomes 'interrupted'), then SIGKILL after
``kill_grace`` seconds. Afterwards the run's crawl_runs row is made final: ``exit_status`` is set,
a row left 'running' by a killed crawl is closed, and a crawl that died before writing a row gets
a 'failed' row with the exit status and its last output line. One log line per run names the
site and the outcome; a failed run is simply tried again at the site's next slot.

No double runs:

* in one scheduler, every site is one APScheduler job with ``max_instances=1`` (a trigger that
  fires while the site's crawl still runs is skipped and logged) and ``coalesce=True`` (after a
  sleep, missed slots collapse into one run, if within ``misfire_grace_time``);
* across processes (a restart while an orphaned crawl still runs, `--run-now` beside the service,
  a hand-started `newscrawl crawl`): a per-site lock file held while the crawl runs, and a check of
  crawl_runs for a 'running' row of the site whose process is alive; a second scheduler on the
  same database refuses to start.

The schedule itself is not stored: it is recomputed from the config at every start (APScheduler's
MemoryJobStore). What a persistent job store would add, running a slot missed while the
scheduler was down, is done from crawl_runs instead (``catch_up``): if a site's latest slot lies
within ``misfire_grace_time`` and no run of the site started since that slot, it runs once at
start. A restart therefore neither repeats a run nor loses one.

On SIGTERM / SIGINT / SIGHUP the scheduler takes no new runs, stops the running crawl cleanly
(``on_stop = "stop"``, the default) or lets it finish (``on_stop = "finish"``), records it and
exits 0. A second signal hurries things up (SIGTERM now, or SIGKILL if SIGTERM was sent).
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import logging.handlers
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from crawler.settings import DEFAULT_NEWS_DB

log = logging.getLogger("newscrawl.scheduler")
crawl_log = logging.getLogger("newscrawl.scheduler.crawl")

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_NAME = "schedule.toml"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_WINDOW = (60, 180)          # minutes after midnight: the default runs start in 01:00-03:00
DEFAULT_JITTER = 600                # seconds added at random to each start (0..jitter)
DEFAULT_TIME_LIMIT = 2 * 3600
DEFAULT_MISFIRE_GRACE = 6 * 3600
DEFAULT_KILL_GRACE = 60.0
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class ConfigError(Exception):
    """The schedule file is wrong; the message says where."""


# --- configuration ------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|min|m|s|sec)?", re.I)
_UNIT = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any, what: str) -> float:
    """Seconds from 90, 90.5, "90s", "15m", "2h", "1h30m", "1d"."""
    if isinstance(value, bool):
        raise ConfigError(f"{what}: expected a duration such as 7200, \"2h\" or \"30m\"")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        pos, seconds = 0, 0.0
        while pos < len(text):
            match = _DURATION.match(text, pos)
            if not match:
                raise ConfigError(f"{what}: {value!r} is not a duration (e.g. \"2h\", \"90m\")")
            seconds += float(match[1]) * _UNIT[(match[2] or "").lower() or None]
            pos = match.end()
            while pos < len(text) and text[pos] in " ,":
                pos += 1
    else:
        raise ConfigError(f"{what}: expected a duration such as 7200, \"2h\" or \"30m\"")
    if seconds < 0:
        raise ConfigError(f"{what}: must not be negative")
    return seconds


def human_duration(seconds: float) -> str:
    seconds = float(seconds)
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    if seconds >= 60:
        return f"{int(seconds // 60)} min {seconds % 60:.0f} s"
    return f"{seconds:.1f} s" if seconds % 1 else f"{seconds:.0f} s"


_DOW = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _crontab_dow(field_value: str) -> str:
    """Crontab day-of-week numbers (0 or 7 = Sunday) as names: APScheduler 3.x would read 0 as
    Monday. Steps ("*/2") and names ("mon-fri") are kept."""
    parts = []
    for part in field_value.split(","):
        base, slash, step = part.partition("/")
        base = re.sub(r"\d+", lambda m: _dow_name(m[0], field_value), base)
        parts.append(base + slash + step)
    return ",".join(parts)


def _dow_name(number: str, field_value: str) -> str:
    n = int(number)
    if n > 7:
        raise ValueError(f"day of week {n} in {field_value!r} (0-7, 0 and 7 = Sunday)")
    return _DOW[n]


def cron_fields(expr: str) -> dict[str, str]:
    """APScheduler CronTrigger fields from a crontab expression.

    5 fields: minute hour day-of-month month day-of-week (as in crontab: 0 or 7 = Sunday).
    6 fields: second first, then the same five (meant for tests: "*/3 * * * * *")."""
    values = expr.split()
    if len(values) not in (5, 6):
        raise ValueError(f"{expr!r} has {len(values)} fields; a cron expression has 5 "
                         "(minute hour day month weekday) or 6 (second first)")
    second = values.pop(0) if len(values) == 6 else "0"
    minute, hour, day, month, dow = values
    return {"second": second, "minute": minute, "hour": hour, "day": day, "month": month,
            "day_of_week": _crontab_dow(dow)}


@dataclass
class SiteSchedule:
    site: str
    cron: str
    jitter: float = DEFAULT_JITTER
    time_limit: float = DEFAULT_TIME_LIMIT
    settings: dict[str, str] = field(default_factory=dict)
    enabled: bool = True

    def trigger(self, timezone: str, jitter: bool = True):
        from apscheduler.triggers.cron import CronTrigger
        return CronTrigger(timezone=ZoneInfo(timezone),
                           jitter=int(self.jitter) if jitter and self.jitter else None,
                           **cron_fields(self.cron))


@dataclass
class Config:
    path: Path | None = None
    db: Path = Path(DEFAULT_NEWS_DB)
    log_file: Path | None = Path("data/logs/scheduler.log")
    log_max_bytes: int = 5_000_000
    log_backups: int = 5
    timezone: str = DEFAULT_TIMEZONE
    misfire_grace_time: float = DEFAULT_MISFIRE_GRACE
    catch_up: bool = True
    max_parallel: int = 1
    on_stop: str = "stop"
    kill_grace: float = DEFAULT_KILL_GRACE
    wakeup_interval: float = 60.0
    defaults: SiteSchedule = field(default_factory=lambda: SiteSchedule("*", ""))
    sites: dict[str, SiteSchedule] = field(default_factory=dict)

    @property
    def lock_dir(self) -> Path:
        return self.db.parent / "locks"

    def site(self, name: str) -> SiteSchedule:
        """The schedule of `name`, or the defaults for a site the config does not schedule."""
        if name in self.sites:
            return self.sites[name]
        d = self.defaults
        return SiteSchedule(name, "", d.jitter, d.time_limit, dict(d.settings), enabled=False)

    @property
    def enabled_sites(self) -> list[str]:
        return [name for name, s in self.sites.items() if s.enabled]


def known_sites() -> list[str]:
    """The spiders of the project (spiders/), sorted."""
    from crawler.sites import site_spiders
    return sorted(site_spiders())


def default_crons(sites: list[str]) -> dict[str, str]:
    """Every site once a night, evenly spread over 01:00-03:00: 01:00, 01:30, 02:00, 02:30 for 4."""
    start, end = DEFAULT_WINDOW
    step = (end - start) / max(len(sites), 1)
    out = {}
    for i, site in enumerate(sites):
        minutes = int(start + i * step)
        out[site] = f"{minutes % 60} {minutes // 60} * * *"
    return out


def default_config_path() -> Path | None:
    for candidate in (Path.cwd() / CONFIG_NAME, REPO_ROOT / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def _settings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): _setting_value(v) for k, v in value.items()}
    if isinstance(value, list):  # ["DOWNLOAD_DELAY=2", ...]
        out = {}
        for item in value:
            name, sep, setting = str(item).partition("=")
            if not sep or not name.strip():
                raise ConfigError(f"{what}: {item!r} is not NAME=VALUE")
            out[name.strip()] = setting
        return out
    raise ConfigError(f"{what}: expected a table such as {{DOWNLOAD_DELAY = 2}}")


def _setting_value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


_TOP_KEYS = {"scheduler", "defaults", "sites"}
_SCHEDULER_KEYS = {"db", "log_file", "log_max_bytes", "log_backups", "timezone",
                   "misfire_grace_time", "catch_up", "max_parallel", "on_stop", "kill_grace",
                   "wakeup_interval"}
_SITE_KEYS = {"cron", "jitter", "time_limit", "settings", "enabled"}


def _check_keys(table: Any, allowed: set[str], where: str) -> dict:
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}] must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"[{where}]: unknown key(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(allowed))}")
    return table


def load_config(path: str | os.PathLike[str] | None = None, sites: list[str] | None = None,
                db: str | None = None) -> Config:
    """Read the schedule file (default: ./schedule.toml, else the repository's; none at all:
    built-in defaults). `sites` is the list of known spiders (default: the project's)."""
    if path is None:
        path = default_config_path()
    data: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file") from None
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    where = str(path) if path else "built-in defaults"
    try:
        config = _build_config(data, sites if sites is not None else known_sites(), db)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    config.path = path
    return config


def _build_config(data: dict, known: list[str], db: str | None) -> Config:
    _check_keys(data, _TOP_KEYS, "top level")
    main = _check_keys(data.get("scheduler", {}), _SCHEDULER_KEYS, "scheduler")
    config = Config()
    # the one rule (crawler/settings.py): --db, then $NEWS_DB, then this file's db, then default
    config.db = Path(db or os.environ.get("NEWS_DB") or main.get("db") or DEFAULT_NEWS_DB)
    log_file = main.get("log_file", str(config.log_file))
    config.log_file = Path(log_file) if log_file else None
    config.log_max_bytes = int(main.get("log_max_bytes", config.log_max_bytes))
    config.log_backups = int(main.get("log_backups", config.log_backups))
    config.timezone = str(main.get("timezone", config.timezone))
    try:
        ZoneInfo(config.timezone)
    except Exception:
        raise ConfigError(f"[scheduler] timezone: unknown time zone {config.timezone!r}") from None
    config.misfire_grace_time = parse_duration(
        main.get("misfire_grace_time", config.misfire_grace_time), "[scheduler] misfire_grace_time")
    config.catch_up = bool(main.get("catch_up", config.catch_up))
    config.max_parallel = int(main.get("max_parallel", config.max_parallel))
    if config.max_parallel < 1:
        raise ConfigError("[scheduler] max_parallel must be at least 1")
    config.on_stop = str(main.get("on_stop", config.on_stop))
    if config.on_stop not in ("stop", "finish"):
        raise ConfigError('[scheduler] on_stop must be "stop" or "finish"')
    config.kill_grace = parse_duration(main.get("kill_grace", config.kill_grace),
                                       "[scheduler] kill_grace")
    config.wakeup_interval = max(0.5, parse_duration(
        main.get("wakeup_interval", config.wakeup_interval), "[scheduler] wakeup_interval"))

    defaults = _check_keys(data.get("defaults", {}), _SITE_KEYS - {"cron", "enabled"}, "defaults")
    base = SiteSchedule(
        "*", "",
        jitter=parse_duration(defaults.get("jitter", DEFAULT_JITTER), "[defaults] jitter"),
        time_limit=parse_duration(defaults.get("time_limit", DEFAULT_TIME_LIMIT),
                                  "[defaults] time_limit"),
        settings=_settings(defaults.get("settings"), "[defaults] settings"),
    )
    config.defaults = base

    sites = data.get("sites")
    if sites is None:  # no [sites] at all: every spider, staggered over the night
        sites = {name: {} for name in known}
    if not isinstance(sites, dict):
        raise ConfigError("[sites] must be a table of [sites.NAME] tables")
    unknown = sorted(set(sites) - set(known))
    if unknown:
        raise ConfigError(f"unknown site(s) {', '.join(unknown)} in [sites]; "
                          f"known: {', '.join(known)}")
    crons = default_crons(known)
    for name, table in sites.items():
        table = _check_keys(table, _SITE_KEYS, f"sites.{name}")
        schedule = SiteSchedule(
            name,
            str(table.get("cron", crons[name])),
            jitter=parse_duration(table.get("jitter", base.jitter), f"[sites.{name}] jitter"),
            time_limit=parse_duration(table.get("time_limit", base.time_limit),
                                      f"[sites.{name}] time_limit"),
            settings={**base.settings, **_settings(table.get("settings"),
                                                   f"[sites.{name}] settings")},
            enabled=bool(table.get("enabled", True)),
        )
        if schedule.time_limit <= 0:
            raise ConfigError(f"[sites.{name}] time_limit must be positive")
        try:
            schedule.trigger(config.timezone)
        except ValueError as exc:
            raise ConfigError(f"[sites.{name}] cron: {exc}") from None
        config.sites[name] = schedule
    return config


# --- logging ------------------------------------------------------------------------------------

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


# --- locks --------------------------------------------------------------------------------------

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


def _lock_path(config: Config, what: str) -> Path:
    return config.lock_dir / f"{config.db.stem}.{what}.lock"


# --- crawl_runs helpers -------------------------------------------------------------------------

def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def live_run(db, site: str, max_age: float) -> dict | None:
    """A crawl_runs row of `site` still 'running' whose process is alive (and which started less
    than `max_age` seconds ago, so a reused pid cannot block a site forever), or None."""
    from crawler.store import TZ, _pid_alive
    now = datetime.now(TZ)
    for row in db.db.query("SELECT id, pid, started_at FROM crawl_runs "
                           "WHERE spider = ? AND status = 'running' ORDER BY id DESC", [site]):
        started = _parse_time(row["started_at"])
        if started is not None and (now - started).total_seconds() > max_age:
            continue
        if _pid_alive(row["pid"]):
            return row
    return None


def last_runs(db_path: Path) -> dict[str, dict]:
    """The newest crawl_runs row of each spider ({} if there is no database yet)."""
    if not db_path.exists():
        return {}
    from crawler.store import NewsDB
    with NewsDB(db_path) as db:
        return {row["spider"]: row for row in db.db.query(
            "SELECT * FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs GROUP BY spider)")}


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
        from crawler.store import NewsDB
        with NewsDB(db_path) as db:
            for row in db.db.query("SELECT started_at FROM crawl_runs WHERE spider = ? "
                                   "ORDER BY id DESC LIMIT 50", [schedule.site]):
                started = _parse_time(row["started_at"])
                if started is not None and started >= slot:
                    return None
    return slot


# --- running one crawl ----------------------------------------------------------------------------

def crawl_command(site: str, db_path: Path, settings: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", site, "--db", str(db_path.resolve())]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def child_env() -> dict[str, str]:
    """The scheduler's environment (proxy variables included) for a crawl process, with the
    source checkout importable and unbuffered output."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    if (REPO_ROOT / "crawler").is_dir():
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        if str(REPO_ROOT) not in paths:
            env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *paths])
    return env


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
        lock = FileLock(_lock_path(self.config, site))
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
        from crawler.store import NewsDB, now_iso
        config = self.config
        schedule = config.site(site)
        with NewsDB(config.db) as db:
            gone = db.mark_interrupted()
            if gone:
                log.info("%d earlier run(s) ended without finishing; marked 'interrupted'", gone)
            busy = live_run(db, site, max_age=2 * schedule.time_limit + config.kill_grace)
            before = db.db.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]
        if busy is not None:
            log.warning("%s: skipped (%s): run %s (pid %s, started %s) is still running",
                        site, why, busy["id"], busy["pid"], busy["started_at"])
            return None

        cmd = crawl_command(site, config.db, schedule.settings)
        started_at = now_iso()
        t0 = time.monotonic()
        log.info("%s: crawl starts (%s, time limit %s): %s", site, why,
                 human_duration(schedule.time_limit), shlex.join(cmd))
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace", env=child_env(),
            start_new_session=True)
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
        from crawler.store import NewsDB, now_iso
        with NewsDB(self.config.db) as db:
            rows = list(db.db.query(
                "SELECT * FROM crawl_runs WHERE spider = ? AND id > ? AND pid = ? ORDER BY id",
                [site, before, pid]))
            with db.transaction():
                if rows:
                    row = rows[-1]
                    fields: dict[str, Any] = {"exit_status": rc}
                    if row["status"] == "running":  # killed before it could close its run
                        fields["status"] = "interrupted" if stop_reason else "failed"
                        fields["finished_at"] = now_iso()
                        how = "killed (SIGKILL)" if killed else f"exit status {rc}"
                        fields["finish_reason"] = (f"{stop_reason}; {how}" if stop_reason
                                                   else f"crawl process ended ({how}) without "
                                                        "closing its run")
                    elif stop_reason and row["finish_reason"] == "shutdown":  # our SIGTERM
                        fields["finish_reason"] = f"shutdown ({stop_reason})"
                    sets = ", ".join(f"{k} = ?" for k in fields)
                    db.db.execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?",
                                  [*fields.values(), row["id"]])
                    run_id = row["id"]
                else:  # died before the crawl opened its run: record it ourselves
                    last = tail[-1] if tail else "no output"
                    reason = (f"{stop_reason}; " if stop_reason else "") + \
                        f"exit status {rc} before the crawl started: {last}"
                    cur = db.db.execute(
                        "INSERT INTO crawl_runs (spider, started_at, finished_at, status, "
                        "finish_reason, pid, exit_status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [site, started_at, now_iso(),
                         "interrupted" if stop_reason else "failed", reason[:1000], pid, rc])
                    run_id = cur.lastrowid
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


def _signal(proc: subprocess.Popen, sig: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(proc.pid, sig)   # its own session: the crawl and anything it started
        else:
            proc.send_signal(sig)


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
    lock = FileLock(_lock_path(config, "scheduler"))
    if not lock.acquire():
        log.error("another scheduler is already running on %s (lock %s); not starting",
                  config.db, lock.path)
        return 1
    try:
        from crawler.store import NewsDB
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


def run_now(config: Config, site: str | None) -> int:
    """Crawl `site` (or every scheduled site, one after the other) now; 0 if every run
    finished (a skipped site counts as fine: its other crawl is still going), else 1."""
    sites = [site] if site else config.enabled_sites
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
    unscheduled = [s for s in _safe_known_sites() if s not in config.sites]
    if unscheduled:
        print(f"Not scheduled (no [sites.NAME] table): {', '.join(unscheduled)}", file=out)


def _safe_known_sites() -> list[str]:
    try:
        return known_sites()
    except Exception:
        return []


def parser(prog: str = "scheduler.py") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Crawl each site on its nightly schedule (APScheduler, Asia/Ho_Chi_Minh "
                    "time) into the SQLite database; runs until SIGTERM / Ctrl-C.")
    p.add_argument("--config", metavar="PATH", default=None,
                   help=f"schedule file (TOML). Default: ./{CONFIG_NAME}, else the repository's "
                        f"{CONFIG_NAME}, else built-in defaults (every site nightly 01:00-03:00)")
    p.add_argument("--list", action="store_true",
                   help="print each site's schedule, next run and last run, then exit")
    p.add_argument("--run-now", nargs="?", const="", default=None, metavar="SITE",
                   help="crawl SITE (default: every scheduled site) now, record it, then exit")
    p.add_argument("--db", metavar="PATH", default=None,
                   help="database (default: $NEWS_DB, else [scheduler] db, else data/news.db)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def main(argv: list[str] | None = None, prog: str = "scheduler.py") -> int:
    args = parser(prog).parse_args(argv)
    try:
        config = load_config(args.config, db=args.db)
    except ConfigError as exc:
        print(f"scheduler: {exc}", file=sys.stderr)
        return 2
    if args.list:
        list_jobs(config)
        return 0
    if args.run_now is not None and args.run_now:
        known = _safe_known_sites()
        if args.run_now not in known:
            print(f"scheduler: unknown site {args.run_now!r}; known: {', '.join(known)}",
                  file=sys.stderr)
            return 2
    setup_logging(config, args.verbose)
    if args.run_now is not None:
        return run_now(config, args.run_now or None)
    return serve(config)
