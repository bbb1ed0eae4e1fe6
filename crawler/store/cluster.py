"""The cluster questions of NewsDB: what the one ingest process and the dispatcher ask of the database.

A mixin of ``crawler.store.newsdb.NewsDB`` (it uses ``self.db``, ``self.transaction()`` and the
crawl_runs methods), for crawler/cluster/: runs recorded by their Scrapyd job (``node``, ``job``),
the store counters the writer keeps for them, the ids of applied events (each applied once), and
the snapshot of one site that a node crawls against (``export_site``).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from crawler.store.runs import now_iso
from crawler.store.schema import connect

# What a node needs to crawl a site as a local crawl would (crawler/cluster/node.py): which
# articles are stored (URL, site id, dates: stop-at-known, refresh, backfill), copies, refusals,
# the site's last runs (clean or not, URLs to retry, health), the validators of stored pages.
# Article text and raw HTML stay on the writer.
SNAPSHOT_ARTICLE_COLUMNS = ("id", "url", "site", "article_id", "title", "published_at",
                            "fetched_at", "first_seen_at", "updated_at", "content_hash",
                            "slug_key")
SNAPSHOT_RUNS = 50
STORE_OUTCOMES = ("new", "unchanged", "updated", "duplicate")


class ClusterStore:
    """See the module."""

    # --- events: each applied once -----------------------------------------------------------
    def event_applied(self, event_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM cluster_events WHERE id = ?",
                               [event_id]).fetchone() is not None

    def mark_event_applied(self, event_id: str) -> None:
        """Record an applied event (call inside the transaction that applied it)."""
        self.db.execute("INSERT OR IGNORE INTO cluster_events (id, applied_at) VALUES (?, ?)",
                        [event_id, now_iso()])

    def forget_events_before(self, before: str) -> int:
        """Drop the ids of events applied before `before` (ISO 8601): a redelivery comes within
        seconds, not days."""
        with self.transaction():
            return self.db.execute("DELETE FROM cluster_events WHERE applied_at < ?",
                                   [before]).rowcount

    # --- runs of Scrapyd jobs ------------------------------------------------------------------
    def run_of_job(self, job: str) -> dict | None:
        """The crawl_runs row of Scrapyd job `job`, or None."""
        rows = list(self.db.query("SELECT * FROM crawl_runs WHERE job = ? ORDER BY id DESC "
                                  "LIMIT 1", [job]))
        return rows[0] if rows else None

    def start_job_run(self, site: str, node: str, job: str, pid: int | None,
                      started_at: str) -> int:
        """The 'running' row of a job's run (made once: a second call returns the same id)."""
        row = self.run_of_job(job)
        if row is not None:
            if pid is not None and row["pid"] is None:      # made by an earlier event
                with self.transaction():
                    self.db.execute("UPDATE crawl_runs SET pid = ?, started_at = ? WHERE id = ?",
                                    [pid, started_at, row["id"]])
            return int(row["id"])
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO crawl_runs (spider, started_at, status, pid, node, job, "
                "articles_new, articles_unchanged, articles_updated, articles_duplicate) "
                "VALUES (?, ?, 'running', ?, ?, ?, 0, 0, 0, 0)",
                [site, started_at, pid, node, job])
        return int(cur.lastrowid)

    def count_stored(self, run_id: int, outcome: str, n: int = 1) -> None:
        """Add `n` to the run's counter of store_article outcome `outcome`."""
        if outcome not in STORE_OUTCOMES:
            raise ValueError(f"count_stored: outcome must be one of {STORE_OUTCOMES}")
        column = f"articles_{outcome}"
        with self.transaction():
            self.db.execute(f"UPDATE crawl_runs SET {column} = COALESCE({column}, 0) + ? "
                            "WHERE id = ?", [n, run_id])

    def end_job_run(self, site: str, node: str, job: str, reason: str) -> int:
        """A job ended without closing its run (its process was killed, its node restarted):
        the run becomes 'interrupted' with `reason`; a job that never recorded a run gets a
        row saying so. Returns the run's id."""
        row = self.run_of_job(job)
        with self.transaction():
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO crawl_runs (spider, started_at, finished_at, status, "
                    "finish_reason, node, job) VALUES (?, ?, ?, 'interrupted', ?, ?, ?)",
                    [site, now_iso(), now_iso(), reason[:1000], node, job])
                return int(cur.lastrowid)
            if row["status"] == "running":
                self.db.execute("UPDATE crawl_runs SET status = 'interrupted', finished_at = ?, "
                                "finish_reason = ? WHERE id = ?",
                                [now_iso(), reason[:1000], row["id"]])
        return int(row["id"])

    # --- a site's snapshot for a node -----------------------------------------------------------
    def export_site(self, site: str, path: str | Path) -> Path:
        """Write to `path` (a new file) a newscrawl database holding what a crawl of `site`
        reads: SNAPSHOT_ARTICLE_COLUMNS of its articles, its copies, refusals and not-articles,
        its last SNAPSHOT_RUNS runs and the validators (no HTML) of its stored pages."""
        path = Path(path)
        if path.exists():
            raise FileExistsError(f"export_site: {path} exists")
        snapshot, _ = connect(path)          # a new database, every migration applied
        conn = snapshot.conn
        try:
            conn.execute("ATTACH DATABASE ? AS src", [str(self.path.resolve())])
            conn.execute("BEGIN")
            self._copy(conn, "articles", SNAPSHOT_ARTICLE_COLUMNS, "site = ?", [site])
            self._copy(conn, "duplicates", None, "copy_site = ?", [site])
            self._copy(conn, "not_articles", None, "site = ?", [site])
            self._copy(conn, "refused_pages", None, "site = ?", [site])
            self._copy(conn, "crawl_runs", None,
                       "spider = ? AND id IN (SELECT id FROM src.crawl_runs WHERE spider = ? "
                       "ORDER BY id DESC LIMIT ?)", [site, site, SNAPSHOT_RUNS])
            self._copy(conn, "raw_pages", ("url", "fetched_at", "content_type", "etag",
                                           "last_modified"),
                       "url IN (SELECT url FROM src.articles WHERE site = ?)", [site])
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE src")
        finally:
            snapshot.close()
        return path

    @staticmethod
    def _copy(conn: sqlite3.Connection, table: str, columns: tuple[str, ...] | None,
              where: str, params: list[Any]) -> None:
        """INSERT INTO main.table SELECT the columns (default: all the two share) FROM src."""
        mine = [r[1] for r in conn.execute(f"PRAGMA main.table_info([{table}])")]
        theirs = {r[1] for r in conn.execute(f"PRAGMA src.table_info([{table}])")}
        cols = [c for c in (columns or mine) if c in mine and c in theirs]
        names = ", ".join(f"[{c}]" for c in cols)
        conn.execute(f"INSERT INTO main.[{table}] ({names}) SELECT {names} FROM src.[{table}] "
                     f"WHERE {where}", params)
