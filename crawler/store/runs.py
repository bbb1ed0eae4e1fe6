"""The crawl_runs questions of NewsDB: one row per spider run, from start to its final status.

A mixin of ``crawler.store.newsdb.NewsDB`` (it uses the database ``self.db`` and
``self.transaction()``): recording a run, closing it, marking runs whose process is gone as
'interrupted', and what the crawl, ``newscrawl crawl --jobs`` and the scheduler ask about runs.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.store.schema import RUN_COLUMNS

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROBLEM_URLS_MAX = 50
RUN_STATUSES = ("running", "finished", "failed", "interrupted")


def now_iso() -> str:
    """The current time in Vietnam, e.g. '2024-05-01T09:30:12+07:00'."""
    return datetime.now(TZ).isoformat(timespec="seconds")


def _parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time from the database, or None when missing or unreadable."""
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(value) if value else None
    return None


def _pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    try:  # Linux: a killed but not yet reaped process (zombie) answers os.kill too
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class CrawlRuns:
    """crawl_runs: see the module."""

    def start_run(self, spider: str, pid: int) -> int:
        """Record a run as 'running' (started now) and return its id."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO crawl_runs (spider, started_at, status, pid) VALUES (?, ?, ?, ?)",
                [spider, now_iso(), "running", pid],
            )
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        """Close a run. Accepts status, finish_reason, finished_at (default now), the counters
        in RUN_COUNTERS, problems (dict) and problem_urls (list)."""
        unknown = set(fields) - (set(RUN_COLUMNS) - {"id"})
        if unknown:
            raise TypeError(f"finish_run: unknown field(s) {sorted(unknown)}")
        status = fields.setdefault("status", "finished")
        if status not in RUN_STATUSES:
            raise ValueError(f"finish_run: status must be one of {RUN_STATUSES}, not {status!r}")
        fields.setdefault("finished_at", now_iso())
        if "problems" in fields and not isinstance(fields["problems"], str):
            fields["problems"] = json.dumps(fields["problems"] or {}, ensure_ascii=False)
        if "problem_urls" in fields and not isinstance(fields["problem_urls"], str):
            urls = list(fields["problem_urls"] or [])[:PROBLEM_URLS_MAX]
            fields["problem_urls"] = json.dumps(urls, ensure_ascii=False)
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction():
            self.db.execute(
                f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*fields.values(), run_id]
            )

    def mark_interrupted(self) -> int:
        """Runs still 'running' whose process is gone become 'interrupted'; returns how many.
        A run on a cluster node (`node` set) is another machine's process: the dispatcher ends
        it by its Scrapyd job's state instead (crawler/cluster/)."""
        stale = [
            run_id
            for run_id, pid in self.db.execute(
                "SELECT id, pid FROM crawl_runs WHERE status = 'running' AND node IS NULL"
            ).fetchall()
            if not _pid_alive(pid)
        ]
        if stale:
            now = now_iso()
            with self.transaction():
                for run_id in stale:
                    self.db.execute(
                        "UPDATE crawl_runs SET status = 'interrupted', finished_at = ?, "
                        "finish_reason = COALESCE(finish_reason, 'process gone') "
                        "WHERE id = ? AND status = 'running'",
                        [now, run_id],
                    )
        return len(stale)

    def runs(self, ids: Iterable[int]) -> list[dict]:
        """The crawl_runs rows with these ids, in id order; problems/problem_urls decoded."""
        ids = [int(i) for i in ids]
        if not ids:
            return []
        rows = list(self.db.query(
            f"SELECT * FROM crawl_runs WHERE id IN ({', '.join('?' * len(ids))}) ORDER BY id",
            ids,
        ))
        for row in rows:
            row["problems"] = json.loads(row["problems"]) if row["problems"] else {}
            row["problem_urls"] = json.loads(row["problem_urls"]) if row["problem_urls"] else []
        return rows

    def last_run_id(self) -> int:
        """The highest crawl_runs id (0 for none): runs started later have higher ids."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0])

    def run_of_process(self, spider: str, pid: int, after: int = 0) -> int | None:
        """The id of the run of `spider` that process `pid` recorded after run `after`."""
        row = self.db.execute("SELECT max(id) FROM crawl_runs WHERE spider = ? AND id > ? "
                              "AND pid = ?", [spider, after, pid]).fetchone()
        return row[0] if row else None

    # --- runs of crawl processes (the scheduler, crawler/schedule/) --------------------
    def latest_runs(self) -> dict[str, dict]:
        """The newest crawl_runs row of each spider: {spider: row}."""
        return {row["spider"]: row for row in self.db.query(
            "SELECT * FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs GROUP BY spider)")}

    def live_run(self, spider: str, max_age: float) -> dict | None:
        """A 'running' run of `spider` whose process lives, started under `max_age` s ago."""
        for row in self.db.query("SELECT id, pid, started_at FROM crawl_runs WHERE spider = ? "
                                 "AND status = 'running' AND node IS NULL ORDER BY id DESC", [spider]):
            started = _parse_time(row["started_at"])
            if (started is None or (datetime.now(TZ) - started).total_seconds() <= max_age) \
                    and _pid_alive(row["pid"]):
                return row
        return None

    def run_started_since(self, spider: str, since: datetime) -> bool:
        """Whether one of the last 50 runs of `spider` started at or after `since`."""
        rows = self.db.query("SELECT started_at FROM crawl_runs WHERE spider = ? "
                             "ORDER BY id DESC LIMIT 50", [spider])
        return any((t := _parse_time(row["started_at"])) and t >= since for row in rows)

    def record_exit_status(self, run_id: int, exit_status: int, **fields: Any) -> None:
        """Set the exit_status of the process that ran the run, and other columns (`fields`)."""
        fields = {"exit_status": exit_status, **fields}
        if set(fields) - (set(RUN_COLUMNS) - {"id"}):
            raise TypeError(f"record_exit_status: unknown field(s) in {sorted(fields)}")
        with self.transaction():
            self.db.execute(f"UPDATE crawl_runs SET {', '.join(f'{k} = ?' for k in fields)} "
                            "WHERE id = ?", [*fields.values(), run_id])

    def record_failed_start(self, spider: str, pid: int, started_at: str, status: str,
                            reason: str, exit_status: int) -> int:
        """Record the run of a crawl process that ended before it recorded one; returns its id."""
        with self.transaction():
            cur = self.db.execute("INSERT INTO crawl_runs (spider, started_at, finished_at, "
                                  "status, finish_reason, pid, exit_status) VALUES (?, ?, ?, ?, "
                                  "?, ?, ?)", [spider, started_at, now_iso(), status,
                                               reason[:1000], pid, exit_status])
        return int(cur.lastrowid)

    def failed_last_run(self, site: str, kinds: tuple[str, ...]) -> list[str]:
        """URLs the last completed run of `site` had problems of these kinds with (the first 50
        problems a run keeps in `problem_urls`), in order, once each."""
        row = self.db.execute(
            "SELECT problem_urls FROM crawl_runs WHERE spider = ? AND status != 'running' "
            "AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1", [site]).fetchone()
        urls: list[str] = []
        for entry in json.loads(row[0]) if row and row[0] else []:
            kind, _, url = str(entry).partition(" ")
            if kind in kinds and url.startswith(("http://", "https://")) and url not in urls:
                urls.append(url)
        return urls

    def previous_run_was_clean(self, site: str, before_run: int | None) -> bool:
        """Did the last run of `site` before `before_run` finish? If it was killed or failed,
        the next run walks all listing pages (up to the bound) instead of stopping at the first
        page of stored articles. (URLs a finished run failed on are requested again by
        crawler.middlewares.RetryFailedMiddleware.)"""
        row = self.db.execute(
            "SELECT status FROM crawl_runs WHERE spider = ? AND id < ? "
            "ORDER BY id DESC LIMIT 1", [site, before_run or 2**62]).fetchone()
        return row is None or row[0] == "finished"

    def run_started_at(self, run_id: int) -> str | None:
        """When run `run_id` started, or None."""
        row = self.db.execute("SELECT started_at FROM crawl_runs WHERE id = ?",
                              [run_id]).fetchone()
        return row[0] if row else None

    def runs_with_new_articles(self, spider: str) -> int:
        """How many runs of `spider` stored new articles."""
        return int(self.db.execute("SELECT COUNT(*) FROM crawl_runs WHERE spider = ? AND "
                                   "articles_new > 0", [spider]).fetchone()[0])
