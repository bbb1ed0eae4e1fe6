"""The nightly scheduler (scheduler.py, crawler/schedule/), with second-scale cron triggers and
real subprocess crawls against the replay.

End to end: two scheduled runs of a site, the second storing only what the replay published in
between; a trigger that fires while the site's crawl still runs is skipped; SIGTERM during a run
stops the crawl cleanly, records it and exits 0; a crawl over its time limit is stopped and
recorded; a crawl that dies before it starts gets a 'failed' row with its exit status; --list.
In process: the config, the catch-up rule, SIGKILL of a crawl that ignores SIGTERM, and old
databases gaining crawl_runs.exit_status.
"""
from __future__ import annotations

import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.schedule import config as schedule_config
from crawler.schedule import runner, service
from crawler.schedule.config import ConfigError, load_config
from crawler.schedule.runner import Runner
from crawler.store import NewsDB, _pid_alive
from replay.server import ReplayServer
from replay.web import ReplayWeb

SITES = ["baolaocai", "hanoigov", "laodong", "laodongthudo", "nld", "tuoitrethudo"]
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
# hanoigov is ~50 requests: with 0.3 s between them a crawl lasts ~15 s, long enough to overlap.
SLOW = {"DOWNLOAD_DELAY": 0.3, "AUTOTHROTTLE_ENABLED": False}
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


# --- helpers --------------------------------------------------------------------------------------

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(tmp_path: Path, cron: str = "*/2 * * * * *", settings=None, site="hanoigov",
                 time_limit=120, **scheduler) -> Path:
    options = {"db": str(tmp_path / "news.db"), "log_file": str(tmp_path / "logs" / "sched.log"),
               "kill_grace": 10, "wakeup_interval": 1, **scheduler}
    lines = ["[scheduler]", *(f"{k} = {toml_value(v)}" for k, v in options.items()),
             "[defaults]", "jitter = 0", f"time_limit = {toml_value(time_limit)}",
             f"settings = {toml_value(settings if settings is not None else FAST)}",
             f"[sites.{site}]", f"cron = {toml_value(cron)}"]
    path = tmp_path / "schedule.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rows(db_path, sql, params=()):
    if not Path(db_path).exists():
        return []
    with sqlite3.connect(db_path, timeout=10) as conn:
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, params)]
        except sqlite3.OperationalError:  # tables not created yet
            return []


def runs(db_path):
    return rows(db_path, "select * from crawl_runs order by id")


def wait_for(predicate, timeout: float, what: str, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"scheduler exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class SchedulerProcess:
    """`python scheduler.py ARGS` in the background; output kept in a file."""

    def __init__(self, repo_root: Path, env: dict, tmp_path: Path, *args: str):
        self.out_path = tmp_path / "scheduler.out"
        self.out = open(self.out_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "scheduler.py", *args], cwd=repo_root,
                                     env=env, stdout=self.out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        if not self.out.closed:
            self.out.flush()
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def __enter__(self) -> "SchedulerProcess":
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.proc.poll() is None:
                self.stop()
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        finally:
            self.out.close()


def run_scheduler(repo_root, env, *args, timeout=60):
    return subprocess.run([sys.executable, "scheduler.py", *args], cwd=repo_root, env=env,
                          capture_output=True, text=True, timeout=timeout)


class PublishesBetweenCrawls:
    """The replay as it is for the first crawl; from the second crawl on (a crawl starts with
    robots.txt), hanoi.gov.vn has published 3 newer articles. Switching on the crawl itself, not
    on the clock, keeps the test free of races with the trigger."""

    def __init__(self):
        self.before = ReplayWeb()
        self.after = ReplayWeb(extra={"hanoigov": 3})
        self.crawls = 0

    def respond(self, method, host, target):
        if host == "hanoi.gov.vn" and target == "/robots.txt":
            self.crawls += 1
        web = self.before if self.crawls <= 1 else self.after
        return web.respond(method, host, target)


# --- end to end -----------------------------------------------------------------------------------

def test_second_scheduled_run_stores_only_what_was_published_in_between(tmp_path, repo_root):
    web = PublishesBetweenCrawls()
    config = write_config(tmp_path, cron="*/3 * * * * *")
    db = tmp_path / "news.db"
    with ReplayServer(web=web) as server:
        env = {**os.environ, **server.env()}
        with SchedulerProcess(repo_root, env, tmp_path, "--config", str(config)) as sched:
            wait_for(lambda: len([r for r in runs(db) if r["exit_status"] is not None]) >= 2,
                     45, "two recorded runs", sched.proc)
            assert sched.stop() == 0, sched.output()[-3000:]
    first, second = runs(db)[:2]
    before = {a.url for a in web.before.articles("hanoigov")}
    added = {a.url for a in web.after.articles("hanoigov")} - before
    assert len(added) == 3
    assert web.crawls >= 2
    context = (first, second, sched.output()[-3000:])
    assert first["status"] == second["status"] == "finished", context
    assert first["exit_status"] == second["exit_status"] == 0, context
    assert first["articles_new"] >= len(before), context
    assert second["articles_new"] == 3, context
    assert second["articles_updated"] == 0, context
    assert second["started_at"] > first["finished_at"]
    stored = rows(db, "select url, first_seen_at from articles")
    assert len(stored) == first["articles_new"] + 3
    assert before <= {r["url"] for r in stored}
    assert {r["url"] for r in stored if r["first_seen_at"] > first["finished_at"]} == added
    log = (tmp_path / "logs" / "sched.log").read_text(encoding="utf-8")
    assert f"hanoigov: run {second['id']} finished" in log
    assert "3 new" in log


def test_a_trigger_during_a_run_of_the_same_site_is_skipped(tmp_path, repo_root, replay_env):
    config = write_config(tmp_path, cron="* * * * * *", settings=SLOW)   # every second
    db = tmp_path / "news.db"
    log_file = tmp_path / "logs" / "sched.log"
    with SchedulerProcess(repo_root, replay_env, tmp_path, "--config", str(config)) as sched:
        wait_for(lambda: any(r["status"] == "running" for r in runs(db)), 20, "a running crawl",
                 sched.proc)
        wait_for(lambda: log_file.exists() and log_file.read_text().count(
            "hanoigov: skipped the run due at") >= 2, 10, "two skipped triggers", sched.proc)
        assert len(runs(db)) == 1          # the skipped triggers started nothing
        assert sched.stop() == 0, sched.output()[-3000:]
    [run] = runs(db)
    assert run["status"] == "interrupted"
    assert "the previous run of this site is still going" in log_file.read_text()


def test_sigterm_during_a_run_stops_it_cleanly_records_it_and_exits_0(tmp_path, repo_root,
                                                                       replay_env):
    config = write_config(tmp_path, cron="*/2 * * * * *", settings=SLOW)
    db = tmp_path / "news.db"
    with SchedulerProcess(repo_root, replay_env, tmp_path, "--config", str(config)) as sched:
        wait_for(lambda: rows(db, "select 1 from articles limit 1"), 25, "a stored article",
                 sched.proc)
        [running] = runs(db)
        assert running["status"] == "running"
        started = time.monotonic()
        sched.proc.send_signal(signal.SIGTERM)
        assert sched.proc.wait(timeout=25) == 0, sched.output()[-3000:]
        assert time.monotonic() - started < 15     # stopped, not waited for
        output = sched.output()
    [run] = runs(db)
    assert run["status"] == "interrupted"
    assert run["finish_reason"] == "shutdown (scheduler stopping)"
    assert run["finished_at"]
    assert run["exit_status"] is not None and run["exit_status"] != 0
    assert not _pid_alive(run["pid"])
    stored = rows(db, "select count(*) n from articles")[0]["n"]
    assert 0 < stored == run["articles_new"]        # what was stored before the stop is kept
    assert "received SIGTERM" in output and "scheduler stopped" in output
    log = (tmp_path / "logs" / "sched.log").read_text(encoding="utf-8")
    assert f"hanoigov: run {run['id']} INTERRUPTED" in log


def test_a_crawl_over_its_time_limit_is_stopped_and_recorded(tmp_path, repo_root, replay_env):
    config = write_config(tmp_path, settings=SLOW, time_limit=4)
    result = run_scheduler(repo_root, replay_env, "--config", str(config), "--run-now",
                           "hanoigov")
    assert result.returncode == 1, result.stderr[-3000:]
    [run] = runs(tmp_path / "news.db")
    assert run["status"] == "interrupted"
    assert run["finish_reason"] == "shutdown (time limit 4 s exceeded)"
    assert run["exit_status"] == 1
    assert "hanoigov: time limit 4 s exceeded; stopping the crawl (SIGTERM)" in result.stderr


def test_a_crawl_that_dies_before_starting_gets_a_failed_row(tmp_path, repo_root, replay_env):
    config = write_config(tmp_path, settings={"SPIDER_MODULES": "no_such_spiders"})
    result = run_scheduler(repo_root, replay_env, "--config", str(config), "--run-now")
    assert result.returncode == 1
    [run] = runs(tmp_path / "news.db")
    assert run["spider"] == "hanoigov"
    assert run["status"] == "failed"
    assert run["exit_status"] == 1
    assert "cannot load the spiders" in run["finish_reason"]
    log = (tmp_path / "logs" / "sched.log").read_text(encoding="utf-8")
    assert f"hanoigov: run {run['id']} FAILED" in log and "exit status 1" in log


def test_list_prints_each_job_and_its_next_run(tmp_path, repo_root):
    result = run_scheduler(repo_root, dict(os.environ), "--list",
                           "--db", str(tmp_path / "news.db"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "Asia/Ho_Chi_Minh" in lines[0]
    for site in SITES:
        [line] = [x for x in lines if x.startswith(site + " ")]
        assert "never" in line
        assert re.search(r"\d{4}-\d\d-\d\d 0[12]:[024]0:00", line), line
    assert not (tmp_path / "news.db").exists()             # --list writes nothing
    via_cli = subprocess.run([sys.executable, "-m", "crawler.cli", "schedule", "--list",
                              "--db", str(tmp_path / "news.db")], cwd=repo_root,
                             capture_output=True, text=True, timeout=60)
    assert via_cli.returncode == 0 and via_cli.stdout == result.stdout


# --- in process -----------------------------------------------------------------------------------

def test_default_schedule_is_nightly_staggered_between_01_and_03(repo_root):
    builtin = schedule_config._build_config({}, SITES, None)     # no [sites]: every spider
    shipped = load_config(repo_root / "schedule.toml", sites=SITES)
    for config in (builtin, shipped):
        assert list(config.sites) == SITES
        starts = []
        for site in SITES:
            schedule = config.sites[site]
            assert schedule.jitter == 600 and schedule.time_limit == 7200
            nxt = schedule.trigger("Asia/Ho_Chi_Minh", jitter=False).get_next_fire_time(
                None, datetime(2025, 3, 1, 12, 0, tzinfo=TZ))
            starts.append(nxt)
        assert all(datetime(2025, 3, 2, 1, 0, tzinfo=TZ) <= t and
                   t + timedelta(seconds=600) <= datetime(2025, 3, 2, 3, 0, tzinfo=TZ)
                   for t in starts)
        assert len(set(starts)) == len(SITES)
        assert config.misfire_grace_time == 6 * 3600 and config.on_stop == "stop"


def test_config_cron_durations_and_errors(tmp_path):
    assert schedule_config.cron_fields("0 2 * * 0")["day_of_week"] == "sun"     # crontab: 0 = Sunday
    assert schedule_config.cron_fields("0 2 * * 1-5")["day_of_week"] == "mon-fri"
    assert schedule_config.cron_fields("0 2 * * */2")["day_of_week"] == "*/2"
    assert schedule_config.cron_fields("*/5 * * * * *")["second"] == "*/5"
    assert schedule_config.parse_duration("1h30m", "x") == 5400
    assert schedule_config.parse_duration(90, "x") == 90
    sunday = schedule_config.SiteSchedule("hanoigov", "0 2 * * 0", jitter=0).trigger(
        "Asia/Ho_Chi_Minh").get_next_fire_time(None, datetime(2025, 3, 3, tzinfo=TZ))
    assert sunday.weekday() == 6 and sunday.hour == 2

    def bad(text):
        path = tmp_path / "bad.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_config(path, sites=SITES)
        return str(info.value)

    assert "nosuchsite" in bad("[sites.nosuchsite]\ncron = '0 1 * * *'\n")
    assert "cron" in bad("[sites.hanoigov]\ncron = '0 1 * *'\n")
    assert "time_limt" in bad("[defaults]\ntime_limt = 5\n")
    assert "duration" in bad("[defaults]\ntime_limit = 'soon'\n")


def test_catch_up_runs_a_missed_slot_once(tmp_path):
    db_path = tmp_path / "news.db"
    schedule = schedule_config.SiteSchedule("hanoigov", "0 2 * * *")
    now = datetime(2025, 3, 2, 5, 0, tzinfo=TZ)            # the 02:00 slot was 3 h ago
    slot = datetime(2025, 3, 2, 2, 0, tzinfo=TZ)
    tz = "Asia/Ho_Chi_Minh"
    assert service.missed_slot(db_path, schedule, tz, 6 * 3600, now) == slot
    assert service.missed_slot(db_path, schedule, tz, 2 * 3600, now) is None   # too late
    with NewsDB(db_path) as db:
        db.db["crawl_runs"].insert({"spider": "hanoigov", "status": "finished",
                                    "started_at": "2025-03-01T02:04:00+07:00"})
    assert service.missed_slot(db_path, schedule, tz, 6 * 3600, now) == slot  # yesterday's
    with NewsDB(db_path) as db:
        db.db["crawl_runs"].insert({"spider": "hanoigov", "status": "interrupted",
                                    "started_at": "2025-03-02T02:07:00+07:00"})
    assert service.missed_slot(db_path, schedule, tz, 6 * 3600, now) is None  # ran already


HANGS = """
import os, signal, sys, time
from crawler.store import NewsDB
signal.signal(signal.SIGTERM, signal.SIG_IGN)
with NewsDB(sys.argv[1]) as db:
    db.start_run("hanoigov", os.getpid())
print("hanging", flush=True)
time.sleep(60)
"""


def test_a_crawl_that_ignores_sigterm_is_killed_and_recorded(tmp_path, monkeypatch, repo_root):
    config = schedule_config._build_config(
        {"scheduler": {"db": str(tmp_path / "news.db"), "kill_grace": 1},
         "defaults": {"time_limit": 2}, "sites": {"hanoigov": {}}}, SITES, None)
    monkeypatch.setattr(runner, "crawl_command",
                        lambda site, db, settings: [sys.executable, "-c", HANGS, str(db)])
    started = time.monotonic()
    row = Runner(config).run_site("hanoigov")
    assert time.monotonic() - started < 10
    assert row["status"] == "interrupted"
    assert row["finish_reason"] == "time limit 2 s exceeded; killed (SIGKILL)"
    assert row["exit_status"] == -signal.SIGKILL
    assert not _pid_alive(row["pid"])


def test_a_site_already_running_elsewhere_is_skipped(tmp_path):
    config = schedule_config._build_config(
        {"scheduler": {"db": str(tmp_path / "news.db")}, "sites": {"hanoigov": {}}}, SITES, None)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with NewsDB(config.db) as db:
            db.start_run("hanoigov", sleeper.pid)     # e.g. a crawl left by a killed scheduler
        assert Runner(config).run_site("hanoigov") is None
        assert len(runs(config.db)) == 1
    finally:
        sleeper.kill()
        sleeper.wait()


def test_old_databases_gain_the_exit_status_column(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table crawl_runs (id integer primary key, spider text, "
                     "started_at text, finished_at text, status text, finish_reason text, "
                     "pid integer)")
        conn.execute("insert into crawl_runs (spider, status) values ('hanoigov', 'finished')")
    with NewsDB(path) as db:
        assert "exit_status" in db.db["crawl_runs"].columns_dict
        assert "articles_new" in db.db["crawl_runs"].columns_dict
        [old] = db.runs([1])
        assert old["spider"] == "hanoigov" and old["exit_status"] is None
    NewsDB(path).close()   # and opening it again is a no-op


# --- which database: one rule (crawler/settings.py) -----------------------------------------------

def test_news_db_in_the_environment_beats_the_config_file(tmp_path, repo_root, replay_env):
    """`NEWS_DB=/path python scheduler.py --run-now SITE` writes to /path, even when the config
    file names another database; --db beats both."""
    config = write_config(tmp_path)                     # db = tmp_path/news.db in the file
    env_db = tmp_path / "from-env" / "news.db"
    result = run_scheduler(repo_root, {**replay_env, "NEWS_DB": str(env_db)},
                           "--config", str(config), "--run-now", "hanoigov", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert [r["status"] for r in runs(env_db)] == ["finished"]
    assert not (tmp_path / "news.db").exists()
    assert str(env_db) in result.stdout + result.stderr          # it says which file
    flag_db = tmp_path / "from-flag.db"
    result = run_scheduler(repo_root, {**replay_env, "NEWS_DB": str(env_db)}, "--config",
                           str(config), "--db", str(flag_db), "--list")
    assert result.returncode == 0 and str(flag_db) in result.stdout


def test_configured_db_env_then_config_file_then_default(tmp_path, monkeypatch, repo_root):
    from crawler.settings import DEFAULT_NEWS_DB, configured_db

    with open(repo_root / "schedule.toml", "rb") as handle:   # shipped with db commented out
        assert "db" not in __import__("tomllib").load(handle)["scheduler"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWS_DB", raising=False)
    assert configured_db() == DEFAULT_NEWS_DB                   # no config file here
    (tmp_path / "schedule.toml").write_text('[scheduler]\ndb = "/srv/news.db"\n')
    assert configured_db() == "/srv/news.db"
    monkeypatch.setenv("NEWS_DB", "/data/other.db")
    assert configured_db() == "/data/other.db"


def test_list_shows_each_sites_last_run_and_its_exit_status(tmp_path):
    config = schedule_config._build_config(
        {"scheduler": {"db": str(tmp_path / "news.db")},
         "sites": {"hanoigov": {}, "baolaocai": {}}}, SITES, None)
    with NewsDB(config.db) as db:
        run_id = db.start_run("hanoigov", 1)
        db.finish_run(run_id)
        db.record_exit_status(run_id, 3)
    out = io.StringIO()
    service.list_jobs(config, out=out)
    lines = out.getvalue().splitlines()
    [hanoigov] = [x for x in lines if x.startswith("hanoigov ")]
    [baolaocai] = [x for x in lines if x.startswith("baolaocai ")]
    assert hanoigov.endswith(" finished, exit 3")
    assert baolaocai.endswith(" never")


def test_a_site_is_taken_only_with_run_now_and_must_be_known(tmp_path, repo_root):
    db = str(tmp_path / "news.db")
    without = run_scheduler(repo_root, dict(os.environ), "hanoigov", "--db", db)
    assert without.returncode == 2 and "only taken with --run-now" in without.stderr
    unknown = run_scheduler(repo_root, dict(os.environ), "--run-now", "hanoigov", "nosuchsite",
                            "--db", db)
    assert unknown.returncode == 2 and "unknown site 'nosuchsite'" in unknown.stderr
    assert not Path(db).exists()                          # nothing was started
