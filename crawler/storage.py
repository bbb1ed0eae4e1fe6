"""All SQLite access for newscrawl: one database file, three tables, written with sqlite-utils.

Schema (created on first open, idempotently):

* ``articles``   one row per canonical URL: the extracted text (title, sapo, body, author,
  published_at, section, tags as a JSON list, image_url) plus bookkeeping: ``fetched_at`` (last
  fetch that changed the row), ``first_seen_at``, ``updated_at`` (NULL until the content changes)
  and ``content_hash`` (see ``Article.content_hash``; an unchanged hash means no write at all).
* ``raw_pages``  the page as fetched, zlib-compressed (``html_zlib``), keyed by the same URL, so
  articles can be re-extracted later without refetching.
* ``crawl_runs`` one row per spider run: start/finish times, status ('running', 'finished',
  'failed', 'interrupted'), counters, and what went wrong (``problems`` JSON {kind: count},
  ``problem_urls`` JSON list of "kind url", at most 50).

The file runs in WAL mode so Datasette can read while a crawl writes; every article is
committed on its own, so a crash after N articles keeps those N. Times are ISO 8601 with the
+07:00 offset, seconds precision (``now_iso()``).
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlite_utils

if TYPE_CHECKING:
    from crawler.items import Article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROBLEM_URLS_MAX = 50

ARTICLE_COLUMNS: dict[str, Any] = {
    "id": int,
    "url": str,
    "site": str,
    "article_id": str,
    "title": str,
    "sapo": str,
    "body": str,
    "author": str,
    "published_at": str,
    "section": str,
    "tags": str,
    "image_url": str,
    "fetched_at": str,
    "first_seen_at": str,
    "updated_at": str,
    "content_hash": str,
}
# Columns copied from the Article on insert and on update (not id / first_seen_at / updated_at).
_CONTENT_FIELDS = (
    "site", "article_id", "title", "sapo", "body", "author", "published_at",
    "section", "tags", "image_url", "fetched_at", "content_hash",
)

RUN_COUNTERS = (
    "pages_fetched", "articles_new", "articles_unchanged", "articles_updated",
    "articles_failed", "articles_without_date", "errors",
)
RUN_COLUMNS: dict[str, Any] = {
    "id": int,
    "spider": str,
    "started_at": str,
    "finished_at": str,
    "status": str,
    "finish_reason": str,
    "pid": int,
    **{name: int for name in RUN_COUNTERS},
    "problems": str,
    "problem_urls": str,
}
RUN_STATUSES = ("running", "finished", "failed", "interrupted")


def now_iso() -> str:
    """The current time in Vietnam, e.g. '2024-05-01T09:30:12+07:00'."""
    return datetime.now(TZ).isoformat(timespec="seconds")


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


class NewsDB:
    """The newscrawl database at ``path`` (created with its parent folders if missing)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._create_schema()

    # --- schema -------------------------------------------------------------------------
    def _create_schema(self) -> None:
        db = self.db
        articles = db.table("articles")
        articles.create(
            ARTICLE_COLUMNS, pk="id", not_null={"url"}, if_not_exists=True,
        )
        # url is UNIQUE through an index (sqlite-utils has no column-level UNIQUE).
        articles.create_index(["url"], index_name="idx_articles_url", unique=True,
                              if_not_exists=True)
        articles.create_index(["site", "published_at"], if_not_exists=True)
        articles.create_index(["site", "article_id"], if_not_exists=True)
        articles.create_index(["published_at"], if_not_exists=True)

        db.table("raw_pages").create(
            {"url": str, "fetched_at": str, "content_type": str, "html_zlib": bytes},
            pk="url", if_not_exists=True,
        )
        runs = db.table("crawl_runs")
        runs.create(RUN_COLUMNS, pk="id", if_not_exists=True)
        runs.create_index(["spider", "started_at"], if_not_exists=True)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so a concurrent writer makes
        us wait (busy_timeout) instead of failing halfway; committed on exit."""
        conn = self.db.conn
        if conn.in_transaction:  # nested: let the outer transaction commit
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # --- articles -----------------------------------------------------------------------
    def store_article(self, article: "Article", content_type: str = "text/html") -> str:
        """Insert or refresh one article (and its raw page) in one committed transaction.

        Returns "new", "unchanged" (same content hash: nothing is written) or "updated".
        """
        fetched_at = article.fetched_at or now_iso()
        row = {
            "site": article.site,
            "article_id": article.article_id,
            "title": article.title,
            "sapo": article.sapo,
            "body": article.body,
            "author": article.author,
            "published_at": article.published_at,
            "section": article.section,
            "tags": json.dumps(list(article.tags or []), ensure_ascii=False),
            "image_url": article.image_url,
            "fetched_at": fetched_at,
            "content_hash": article.content_hash,
        }
        with self._write():
            existing = self.db.execute(
                "SELECT id, content_hash FROM articles WHERE url = ?", [article.url]
            ).fetchone()
            if existing is None:
                cols = ("url", *_CONTENT_FIELDS, "first_seen_at")
                values = [article.url, *(row[c] for c in _CONTENT_FIELDS), fetched_at]
                self.db.execute(
                    f"INSERT INTO articles ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' * len(cols))})",
                    values,
                )
                outcome = "new"
            elif existing[1] == row["content_hash"]:
                return "unchanged"
            else:
                sets = ", ".join(f"{c} = ?" for c in _CONTENT_FIELDS)
                self.db.execute(
                    f"UPDATE articles SET {sets}, updated_at = ? WHERE id = ?",
                    [*(row[c] for c in _CONTENT_FIELDS), fetched_at, existing[0]],
                )
                outcome = "updated"
            if article.html is not None:
                self._put_raw(article.url, article.html, fetched_at, content_type)
        return outcome

    def _put_raw(self, url: str, html: bytes | str, fetched_at: str, content_type: str) -> None:
        data = html.encode("utf-8") if isinstance(html, str) else bytes(html)
        self.db.execute(
            "INSERT OR REPLACE INTO raw_pages (url, fetched_at, content_type, html_zlib) "
            "VALUES (?, ?, ?, ?)",
            [url, fetched_at, content_type, zlib.compress(data, 6)],
        )

    def raw_html(self, url: str) -> bytes | None:
        """The raw page stored for ``url``, decompressed, or None."""
        row = self.db.execute(
            "SELECT html_zlib FROM raw_pages WHERE url = ?", [url]
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return zlib.decompress(row[0])

    def has_url(self, url: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM articles WHERE url = ? LIMIT 1", [url]
        ).fetchone() is not None

    def known_urls(self, site: str) -> set[str]:
        return {
            r[0] for r in self.db.execute("SELECT url FROM articles WHERE site = ?", [site])
        }

    # --- crawl runs ---------------------------------------------------------------------
    def start_run(self, spider: str, pid: int) -> int:
        """Record a run as 'running' (started now) and return its id."""
        with self._write():
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
        with self._write():
            self.db.execute(
                f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*fields.values(), run_id]
            )

    def mark_interrupted(self) -> int:
        """Runs still 'running' whose process is gone become 'interrupted'; returns how many."""
        stale = [
            run_id
            for run_id, pid in self.db.execute(
                "SELECT id, pid FROM crawl_runs WHERE status = 'running'"
            ).fetchall()
            if not _pid_alive(pid)
        ]
        if stale:
            now = now_iso()
            with self._write():
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

    # --- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "NewsDB":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
