"""schedule.toml: reading and checking the schedule (`Config`, one `SiteSchedule` per site).

``load_config(path, db=...)`` reads the file (default: ./schedule.toml, else the repository's;
none at all: every site nightly, staggered over 01:00-03:00) and raises ``ConfigError`` naming the
file, the table and the key when something is wrong. Durations are seconds or text ("2h",
"1h30m"); cron expressions are crontab's five fields (0 or 7 = Sunday) or six with seconds first.
The database path follows the one rule of crawler/settings.py: --db, then $NEWS_DB, then the
file's ``db``, then data/news.db.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.settings import DEFAULT_NEWS_DB

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG_NAME = "schedule.toml"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_WINDOW = (60, 180)          # minutes after midnight: the default runs start in 01:00-03:00
DEFAULT_JITTER = 600                # seconds added at random to each start (0..jitter)
DEFAULT_TIME_LIMIT = 2 * 3600
DEFAULT_MISFIRE_GRACE = 6 * 3600
DEFAULT_KILL_GRACE = 60.0


class ConfigError(Exception):
    """The schedule file is wrong; the message says where."""


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
class ClusterConfig:
    """[cluster]: crawl on Scrapyd nodes (crawler/cluster/) instead of in local processes."""
    redis: str
    nodes: list[str]


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
    cluster: ClusterConfig | None = None     # None: crawl on this machine (the default)

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
    """Every site once a night, evenly spread over 01:00-03:00: 01:00, 01:20, ... 02:40 for 6."""
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


_TOP_KEYS = {"scheduler", "defaults", "sites", "cluster"}
_CLUSTER_KEYS = {"redis", "nodes"}
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
    if "cluster" in data:
        table = _check_keys(data["cluster"], _CLUSTER_KEYS, "cluster")
        redis, nodes = table.get("redis"), table.get("nodes")
        if not isinstance(redis, str) or not redis.startswith(("redis://", "rediss://",
                                                               "unix://")):
            raise ConfigError('[cluster] redis: expected a URL such as "redis://10.0.0.2:6379/0"')
        if not isinstance(nodes, list) or not nodes or \
                not all(isinstance(n, str) and n.startswith(("http://", "https://"))
                        for n in nodes):
            raise ConfigError('[cluster] nodes: expected a list of Scrapyd URLs such as '
                              '["http://10.0.0.5:6800"]')
        config.cluster = ClusterConfig(redis, list(nodes))
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

