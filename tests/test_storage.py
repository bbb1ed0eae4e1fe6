"""Tests for crawler/store/: the SQLite layer (real database files in tmp_path, no mocks).

Covers new/unchanged/updated semantics, compressed raw pages (zstd with a dictionary per site,
a new version after a template change, an old zlib database converted in place), WAL mode, per-article commits
visible to a second connection, crash bookkeeping (mark_interrupted), the schema as migrations
(idempotent, a previous version's file brought up to date), unopenable files, refused pages
kept and re-read, and the refresh window of undated articles. Several processes opening one
file at once: tests/test_concurrency.py.
"""
import json
import os
import sqlite3
import subprocess
import sys
import zlib
from datetime import datetime, timedelta

import random

import pytest
import zstandard

from crawler.items import Article
from crawler.store import NewsDB, OpenError, now_iso
from crawler.store.rawpages import HELD_OUT, PLAIN_LEVEL, TRAIN_PAGES, ZSTD_LEVEL
from crawler.store.schema import BUSY_TIMEOUT_SECONDS, MIGRATIONS


def make_article(**kw):
    base = dict(
        url="https://laodongthudo.vn/bai-viet-123.html",
        site="laodongthudo",
        article_id="123",
        title="Công đoàn Thủ đô",
        body="Đoạn một.\n\nĐoạn hai.",
        sapo="Tóm tắt",
        author="Minh Anh",
        published_at="2021-01-26T11:00:00+07:00",
        section="Công đoàn",
        tags=["công đoàn", "Hà Nội"],
        image_url="https://laodongthudo.vn/a.jpg",
        fetched_at="2024-05-01T09:00:00+07:00",
        html="<html><body>Công đoàn</body></html>".encode("utf-8"),
    )
    base.update(kw)
    return Article(**base)


def test_now_iso_has_vietnam_offset():
    value = now_iso()
    assert value.endswith("+07:00") and len(value) == len("2024-05-01T09:00:00+07:00")


def test_new_unchanged_updated(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    art = make_article()
    assert db.store_article(art) == "new"
    row = db.db["articles"].get(1)
    assert row["first_seen_at"] == art.fetched_at
    assert row["updated_at"] is None
    assert json.loads(row["tags"]) == ["công đoàn", "Hà Nội"]
    assert row["content_hash"] == art.content_hash

    again = make_article(fetched_at="2024-05-02T09:00:00+07:00", html=b"<html>other</html>")
    assert db.store_article(again) == "unchanged"
    row = db.db["articles"].get(1)
    assert row["fetched_at"] == art.fetched_at  # no write at all
    assert db.raw_html(art.url) == art.html     # raw page not replaced either

    changed = make_article(body="Nội dung mới.", fetched_at="2024-05-03T09:00:00+07:00",
                           html=b"<html>new</html>")
    assert db.store_article(changed) == "updated"
    row = db.db["articles"].get(1)
    assert row["body"] == "Nội dung mới."
    assert row["updated_at"] == "2024-05-03T09:00:00+07:00"
    assert row["first_seen_at"] == art.fetched_at
    assert db.raw_html(art.url) == b"<html>new</html>"
    assert db.db["articles"].count == 1
    assert db.seen("laodongthudo", art.url, art.article_id)[0]
    assert not db.seen("laodongthudo", "https://example.com/x", None)[0]
    assert not db.seen("baolaocai", "https://baolaocai.vn/x-post1.html", "1")[0]
    db.close()


def test_raw_html_is_stored_compressed(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    html = ("<html>" + "Tin tức công đoàn. " * 500 + "</html>").encode("utf-8")
    db.store_article(make_article(html=html))
    old, blob, dictionary = db.db.execute(
        "SELECT html_zlib, html_zstd, dictionary FROM raw_pages").fetchone()
    assert old is None and dictionary is None        # the site has no dictionary yet
    assert len(blob) < len(html)
    assert zstandard.ZstdDecompressor().decompress(blob) == html
    assert db.raw_html(make_article().url) == html
    assert db.raw_html("https://example.com/none") is None
    db.close()


# --- raw pages: zstd with a dictionary per site (crawler/store/rawpages.py) ----------------------

def site_page(site: str, i: int, template: str = "old") -> bytes:
    """A page of `site` in one of two templates: most of its bytes the template's (the same on
    every page of the site, hard to compress within one page), some the article's own."""
    chrome_rng = random.Random(f"{site}-{template}")
    chrome = "".join(f'<li class="m-{chrome_rng.getrandbits(40):x}"><a href="/'
                     f'{chrome_rng.getrandbits(64):x}.html">{chrome_rng.getrandbits(48):x}</a>'
                     f'</li>\n' for _ in range(500))
    rng = random.Random(f"{site}-{i}")
    words = ["công", "đoàn", "người", "lao", "động", "Hà", "Nội", "tin", "tức", "việc", "làm",
             "lương", "thưởng", "doanh", "nghiệp", "an", "toàn", "bảo", "hiểm", "chính", "sách"]
    body = " ".join(rng.choice(words) for _ in range(400))
    if template == "old":
        return (f'<html><head><title>{site} {i}</title></head><body><nav><ul>{chrome}</ul></nav>'
                f'<article><h1>Bài {i}</h1><div class="content"><p>{body}</p></div></article>'
                f'</body></html>').encode()
    return (f'<!doctype html><html lang="vi"><body><header>{chrome}</header><main>'
            f'<section id="story-{i}"><h2>Bài {i}</h2><p>{body}</p></section></main>'
            f'</body></html>').encode()


def store_pages(db, site, numbers, template="old"):
    for i in numbers:
        body = " ".join(f"{site[:3]}{(i * 7 + k * k) % 997}" for k in range(60))   # to sign
        db.store_article(make_article(url=f"https://{site}.vn/bai-{i}.html", site=site,
                                      article_id=str(i), title=f"Bài {i}", body=body,
                                      html=site_page(site, i, template)))


def test_raw_pages_round_trip_with_a_dictionary_trained_per_site(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    store_pages(db, "laodongthudo", range(TRAIN_PAGES + 20))
    store_pages(db, "baolaocai", range(10))
    rows = db.db.execute("SELECT site, version, pages FROM raw_page_dictionaries").fetchall()
    assert rows == [("laodongthudo", 1, TRAIN_PAGES - HELD_OUT)]
    dictionary_id = db.db.execute("SELECT id FROM raw_page_dictionaries").fetchone()[0]
    # every page of the site is kept with its dictionary, the first ones included (compressed
    # again when it was trained); the other site, too few pages yet, without one
    by_site = dict(db.db.execute(
        "SELECT substr(url, 9, 12), group_concat(DISTINCT coalesce(dictionary, 'none')) "
        "FROM raw_pages GROUP BY 1").fetchall())
    assert by_site == {"laodongthudo": str(dictionary_id), "baolaocai.vn": "none"}
    assert db.db.execute("SELECT count(*) FROM raw_pages WHERE html_zlib IS NOT NULL "
                         "OR html_zstd IS NULL").fetchone()[0] == 0
    for site, n in (("laodongthudo", TRAIN_PAGES + 20), ("baolaocai", 10)):
        for i in range(n):
            assert db.raw_html(f"https://{site}.vn/bai-{i}.html") == site_page(site, i)
    with_dictionary = db.db.execute("SELECT avg(length(html_zstd)) FROM raw_pages "
                                    "WHERE dictionary IS NOT NULL").fetchone()[0]
    plain = sum(len(zstandard.ZstdCompressor(level=6).compress(site_page("laodongthudo", i)))
                for i in range(20)) / 20
    assert with_dictionary < plain / 2
    db.close()
    # another process (a new connection) reads them with the stored dictionary
    db = NewsDB(tmp_path / "news.db")
    assert db.raw_html("https://laodongthudo.vn/bai-3.html") == site_page("laodongthudo", 3)
    db.close()


def test_small_crawls_add_up_to_a_dictionary(tmp_path):
    """Nightly crawls each storing fewer than TRAIN_PAGES pages of a site: the pages stored
    by earlier runs count, and once TRAIN_PAGES are stored the site has its dictionary and
    every one of its pages is kept with it."""
    site, per_run = "tuoitrethudo", TRAIN_PAGES // 3 + 1
    for run in range(3):                       # each run its own process's writer
        db = NewsDB(tmp_path / "news.db")
        store_pages(db, site, range(run * per_run, (run + 1) * per_run))
        db.close()
    db = NewsDB(tmp_path / "news.db")
    assert db.db.execute("SELECT site, version FROM raw_page_dictionaries").fetchall() == [
        (site, 1)]
    assert db.db.execute("SELECT count(*), count(dictionary) FROM raw_pages").fetchone() == (
        3 * per_run, 3 * per_run)
    for i in range(3 * per_run):
        assert db.raw_html(f"https://{site}.vn/bai-{i}.html") == site_page(site, i)
    db.close()


def test_each_page_is_kept_as_its_stored_dictionary_compresses_it_and_the_ratio_is_its_own(
        tmp_path):
    # a page is compressed with the dictionary at most once when it is trained (the pages kept
    # without one, the held-out ones, the page being stored): what is kept is what the stored
    # dictionary gives, and the stored ratio is that of the held-out pages
    db = NewsDB(tmp_path / "news.db")
    site = "laodongthudo"
    store_pages(db, site, range(TRAIN_PAGES + 20))
    ratio, data = db.db.execute("SELECT ratio, dictionary FROM raw_page_dictionaries").fetchone()
    with_it = zstandard.ZstdCompressor(level=ZSTD_LEVEL,
                                       dict_data=zstandard.ZstdCompressionDict(data))
    for i in range(TRAIN_PAGES + 20):
        kept = db.db.execute("SELECT html_zstd FROM raw_pages WHERE url = ?",
                             [f"https://{site}.vn/bai-{i}.html"]).fetchone()[0]
        assert kept == with_it.compress(site_page(site, i))
    held_out = [site_page(site, i) for i in range(TRAIN_PAGES - HELD_OUT, TRAIN_PAGES)]
    assert ratio == round(sum(len(with_it.compress(p)) for p in held_out)
                          / sum(map(len, held_out)), 5)
    db.close()


def test_pages_before_a_dictionary_are_fast_then_compact_keeps_them_dense(tmp_path):
    # a site without a dictionary yet: its pages at the fast level (compressed again when its
    # dictionary is trained); `newscrawl compact` rewrites those that keep no dictionary in the
    # dense form, once
    db = NewsDB(tmp_path / "news.db")
    store_pages(db, "baolaocai", range(10))
    stored = dict(db.db.execute("SELECT url, html_zstd FROM raw_pages").fetchall())
    url = "https://baolaocai.vn/bai-{}.html".format
    fast, dense = (zstandard.ZstdCompressor(level=level) for level in (PLAIN_LEVEL, ZSTD_LEVEL))
    assert all(stored[url(i)] == fast.compress(site_page("baolaocai", i)) for i in range(10))
    assert db.recompress_raw_pages() == 10
    stored = dict(db.db.execute("SELECT url, html_zstd FROM raw_pages WHERE dictionary IS NULL"
                                ).fetchall())
    assert all(stored[url(i)] == dense.compress(site_page("baolaocai", i)) for i in range(10))
    assert db.recompress_raw_pages() == 0        # a rerun: nothing left to do
    db.close()
    with NewsDB(tmp_path / "news.db") as db:     # another writer: the same
        assert db.recompress_raw_pages() == 0
        assert all(db.raw_html(url(i)) == site_page("baolaocai", i) for i in range(10))


def test_a_template_change_trains_a_new_version_and_old_pages_still_read(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    site = "laodongthudo"
    store_pages(db, site, range(TRAIN_PAGES))
    store_pages(db, site, range(1000, 1000 + 2 * TRAIN_PAGES), template="new")
    versions = db.db.execute("SELECT id, version FROM raw_page_dictionaries WHERE site = ? "
                             "ORDER BY version", [site]).fetchall()
    assert [v for _, v in versions] == [1, 2]
    used = dict(db.db.execute("SELECT url, dictionary FROM raw_pages").fetchall())
    assert used[f"https://{site}.vn/bai-0.html"] == versions[0][0]
    assert used[f"https://{site}.vn/bai-{1000 + 2 * TRAIN_PAGES - 1}.html"] == versions[1][0]
    db.close()
    db = NewsDB(tmp_path / "news.db")
    for i in range(TRAIN_PAGES):
        assert db.raw_html(f"https://{site}.vn/bai-{i}.html") == site_page(site, i)
    for i in range(1000, 1000 + 2 * TRAIN_PAGES):
        assert db.raw_html(f"https://{site}.vn/bai-{i}.html") == site_page(site, i, "new")
    db.close()


def test_a_rolled_back_dictionary_is_never_referenced(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    site = "laodongthudo"
    with pytest.raises(RuntimeError):
        with db.transaction():
            store_pages(db, site, range(TRAIN_PAGES))   # trains, inserts the dictionary
            raise RuntimeError("killed before the commit")
    assert db.count("raw_page_dictionaries") == 0 and db.count("raw_pages") == 0
    store_pages(db, site, range(5))
    assert db.db.execute("SELECT count(*) FROM raw_pages WHERE dictionary IS NOT NULL "
                         "AND dictionary NOT IN (SELECT id FROM raw_page_dictionaries)"
                         ).fetchone()[0] == 0
    assert db.raw_html(f"https://{site}.vn/bai-4.html") == site_page(site, 4)
    db.close()


def old_zlib_database(path, pages):
    """A database as the version before migration 0010 left it: raw pages in html_zlib."""
    db = NewsDB(path)
    for site, i in pages:
        db.store_article(make_article(url=f"https://{site}.vn/bai-{i}.html", site=site,
                                      article_id=str(i), title=f"Bài {i}", body=f"Nội dung {i}",
                                      html=None))
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE raw_page_dictionaries")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name LIKE '0010 %'")
        conn.execute("CREATE TABLE old_raw (url TEXT PRIMARY KEY, fetched_at TEXT, "
                     "content_type TEXT, html_zlib BLOB, etag TEXT, last_modified TEXT)")
        conn.executemany("INSERT INTO old_raw VALUES (?, ?, 'text/html', ?, NULL, NULL)",
                         [(f"https://{site}.vn/bai-{i}.html", "2024-05-01T09:00:00+07:00",
                           zlib.compress(site_page(site, i), 6)) for site, i in pages])
        conn.execute("DROP TABLE raw_pages")
        conn.execute("ALTER TABLE old_raw RENAME TO raw_pages")
    conn.close()


def test_an_old_zlib_database_migrates_in_place_and_stays_readable(tmp_path):
    path = tmp_path / "news.db"
    pages = [("laodongthudo", i) for i in range(TRAIN_PAGES + 30)] + \
            [("baolaocai", i) for i in range(15)]
    old_zlib_database(path, pages)
    db = NewsDB(path)      # migration 0010: the new columns and table, no page rewritten
    assert {"html_zstd", "dictionary", "html_zlib"} <= set(db.db["raw_pages"].columns_dict)
    assert db.db.execute("SELECT count(*) FROM raw_pages WHERE html_zlib IS NOT NULL"
                         ).fetchone()[0] == len(pages)
    url = lambda site, i: f"https://{site}.vn/bai-{i}.html"   # noqa: E731
    assert all(db.raw_html(url(s, i)) == site_page(s, i) for s, i in pages)
    # converted in place a batch at a time; a reader sees every page in one form or the other
    reader = NewsDB(path)
    seen_mixed = []

    def check(done, left):
        forms = reader.db.execute("SELECT count(html_zlib), count(html_zstd) FROM raw_pages"
                                  ).fetchone()
        seen_mixed.append(forms[0] > 0 and forms[1] > 0)
        assert all(reader.raw_html(url(s, i)) == site_page(s, i) for s, i in pages[::7])

    assert db.recompress_raw_pages(batch=40, progress=check) == len(pages)
    assert any(seen_mixed)
    assert db.recompress_raw_pages() == 0         # a rerun: nothing left to do
    assert db.db.execute("SELECT count(*) FROM raw_pages WHERE html_zlib IS NOT NULL "
                         "OR html_zstd IS NULL").fetchone()[0] == 0
    assert db.db.execute("SELECT site FROM raw_page_dictionaries").fetchall() == [
        ("laodongthudo",)]
    assert all(db.raw_html(url(s, i)) == site_page(s, i) for s, i in pages)
    assert all(reader.raw_html(url(s, i)) == site_page(s, i) for s, i in pages)
    # opening it again applies nothing more
    assert not MIGRATIONS.pending(db.db)
    reader.close()
    db.close()


def test_a_killed_recompression_leaves_every_page_readable_and_a_rerun_finishes(tmp_path):
    path = tmp_path / "news.db"
    pages = [("laodongthudo", i) for i in range(TRAIN_PAGES + 30)]
    old_zlib_database(path, pages)
    code = ("import os, sys; from crawler.store import NewsDB\n"
            "db = NewsDB(sys.argv[1])\n"
            "def stop(done, left):\n"
            "    if done >= 60: os.kill(os.getpid(), 9)\n"
            "db.recompress_raw_pages(batch=30, progress=stop)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True)
    assert proc.returncode == -9, proc.stderr
    db = NewsDB(path)
    old, new = db.db.execute("SELECT count(html_zlib), count(html_zstd) FROM raw_pages"
                             ).fetchone()
    assert (old, new) == (len(pages) - 60, 60)    # whole batches, nothing half-written
    assert all(db.raw_html(f"https://{s}.vn/bai-{i}.html") == site_page(s, i) for s, i in pages)
    assert db.recompress_raw_pages() == len(pages) - 60
    assert all(db.raw_html(f"https://{s}.vn/bai-{i}.html") == site_page(s, i) for s, i in pages)
    db.close()


def test_wal_mode_and_pragmas(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    assert db.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_SECONDS * 1000
    assert db.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    db.close()


def test_each_article_is_committed_at_once(tmp_path):
    path = tmp_path / "sub" / "dir" / "news.db"  # parent folders are created
    writer = NewsDB(path)
    reader = NewsDB(path)
    for i in range(3):
        writer.store_article(make_article(url=f"https://laodongthudo.vn/a-{i}.html",
                                          article_id=str(i)))
        assert reader.db["articles"].count == i + 1
    # writer never closed: a crash now would keep all three
    assert {r["url"] for r in reader.db.query("select url from articles")} == {
        f"https://laodongthudo.vn/a-{i}.html" for i in range(3)
    }
    reader.close()
    writer.close()


def test_runs_and_mark_interrupted(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive_id = db.start_run("laodongthudo", os.getpid())
    dead_id = db.start_run("baolaocai", dead.pid)
    done_id = db.start_run("hanoigov", dead.pid)
    db.finish_run(done_id, status="finished", finish_reason="finished", pages_fetched=7,
                  articles_new=3, problems={"no_body": 1},
                  problem_urls=["no_body https://x/1"])

    assert db.mark_interrupted() == 1
    runs = {r["id"]: r for r in db.runs([alive_id, dead_id, done_id])}
    assert runs[alive_id]["status"] == "running"
    assert runs[dead_id]["status"] == "interrupted"
    assert runs[dead_id]["finished_at"].endswith("+07:00")
    assert runs[done_id]["status"] == "finished"
    assert runs[done_id]["pages_fetched"] == 7
    assert runs[done_id]["problems"] == {"no_body": 1}
    assert runs[done_id]["problem_urls"] == ["no_body https://x/1"]
    assert db.mark_interrupted() == 0
    assert db.runs([]) == []
    db.close()


def test_schema_creation_is_idempotent(tmp_path):
    path = tmp_path / "news.db"
    db = NewsDB(path)
    db.store_article(make_article())
    schema = db.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    db.close()
    db2 = NewsDB(path)
    assert db2.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert db2.db["articles"].count == 1
    assert set(db2.db.table_names()) >= {"articles", "raw_pages", "crawl_runs"}
    indexes = {tuple(i.columns) for i in db2.db["articles"].indexes}
    assert {("url",), ("site", "published_at"), ("site", "article_id"),
            ("published_at",)} <= indexes
    db2.close()


def test_mark_interrupted_sees_through_zombies(tmp_path):
    """A crawl killed with SIGKILL whose parent has not reaped it yet still counts as gone."""
    import time

    db = NewsDB(tmp_path / "news.db")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait for it to exit, without reaping it
        try:
            state = open(f"/proc/{child.pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except OSError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    run_id = db.start_run("laodongthudo", child.pid)
    assert db.mark_interrupted() == 1
    assert db.runs([run_id])[0]["status"] == "interrupted"
    child.wait()
    db.close()


# --- the schema as migrations ----------------------------------------------------------------

# What the version before migrations created (crawler/storage.py at ed7051a), abridged to the
# tables and columns it had: no extracted_by, no refused_pages, no _sqlite_migrations.
PREVIOUS_VERSION = [
    "CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT NOT NULL, site TEXT, "
    "article_id TEXT, title TEXT, sapo TEXT, body TEXT, author TEXT, published_at TEXT, "
    "section TEXT, tags TEXT, image_url TEXT, fetched_at TEXT, first_seen_at TEXT, "
    "updated_at TEXT, content_hash TEXT)",
    "CREATE UNIQUE INDEX idx_articles_url ON articles (url)",
    "CREATE TABLE raw_pages (url TEXT PRIMARY KEY, fetched_at TEXT, content_type TEXT, "
    "html_zlib BLOB)",
    "CREATE TABLE not_articles (url TEXT PRIMARY KEY, site TEXT, reason TEXT, seen_at TEXT, "
    "times INTEGER)",
    "CREATE TABLE crawl_runs (id INTEGER PRIMARY KEY, spider TEXT, started_at TEXT, "
    "finished_at TEXT, status TEXT, finish_reason TEXT, pid INTEGER, pages_fetched INTEGER)",
    "INSERT INTO articles (url, site, article_id, title, body, published_at, content_hash, "
    "fetched_at, first_seen_at) VALUES ('https://laodongthudo.vn/a-1.html', 'laodongthudo', "
    "'1', 'Old title', 'Old body', '2024-01-01T08:00:00+07:00', 'h', "
    "'2024-01-01T09:00:00+07:00', '2024-01-01T09:00:00+07:00')",
    "INSERT INTO not_articles VALUES ('https://baolaocai.vn/b-2.html', 'baolaocai', "
    "'body selector matched nothing', '2024-01-02T00:00:00+07:00', 2)",
    "INSERT INTO not_articles VALUES ('https://hanoi.gov.vn/c-3.pdf', 'hanoigov', "
    "'not HTML: application/pdf', '2024-01-02T00:00:00+07:00', 2)",
    "INSERT INTO crawl_runs (spider, status) VALUES ('laodongthudo', 'finished')",
]


def test_a_previous_versions_file_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "news.db"
    with sqlite3.connect(path) as old:
        for statement in PREVIOUS_VERSION:
            old.execute(statement)
    old.close()
    db = NewsDB(path)
    assert db.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"extracted_by", "slug_key"} <= set(db.db["articles"].columns_dict)
    assert {"flag", "exit_status", "articles_duplicate"} <= set(db.db["crawl_runs"].columns_dict)
    assert {"etag", "last_modified"} <= set(db.db["raw_pages"].columns_dict)
    assert [m.name for m in MIGRATIONS.applied(db.db)] == [m.name for m in MIGRATIONS._migrations]
    assert not MIGRATIONS.pending(db.db)
    assert db.count("articles") == 1
    assert db.seen("laodongthudo", "https://laodongthudo.vn/a-1.html", "1") == (
        True, "2024-01-01T08:00:00+07:00")
    # the old search index is filled from the stored rows
    assert db.db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'old'"
                         ).fetchone()[0] == 1
    # refused for ever by the old version because a rule matched nothing: asked again now;
    # a PDF stays refused
    assert db.seen("baolaocai", "https://baolaocai.vn/b-2.html", "2") == (False, None)
    assert db.seen("hanoigov", "https://hanoi.gov.vn/c-3.pdf", None)[0]
    assert db.db.execute("SELECT count(*) FROM site_health").fetchone()[0] == 1
    db.close()


def test_an_unopenable_path_is_an_error_naming_the_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OpenError) as under_a_file:
        NewsDB(blocker / "news.db")
    assert str(blocker) in str(under_a_file.value)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(OpenError) as not_a_db:
        NewsDB(junk)
    assert str(junk) in str(not_a_db.value) and "not a database" in str(not_a_db.value)


# --- refused pages -----------------------------------------------------------------------------

def test_refused_pages_are_kept_and_only_positive_refusals_are_skipped(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    broken = "https://baolaocai.vn/bai-1.html"
    pdf = "https://hanoi.gov.vn/van-ban-2.html"
    for _ in range(3):   # three runs in a row on a broken template
        db.keep_refused("baolaocai", broken, "<html>bài</html>".encode(), now_iso(),
                        "text/html; charset=utf-8", "body selector matched nothing",
                        for_good=False)
    assert db.seen("baolaocai", broken, "1") == (False, None)     # requested again every run
    assert db.refused_before(broken)
    db.keep_refused("hanoigov", pdf, b"%PDF-1.4", now_iso(), "application/pdf",
                    "not HTML: application/pdf", for_good=True)
    assert not db.seen("hanoigov", pdf, "2")[0]     # positively not: tried once more (passing?)
    db.keep_refused("hanoigov", pdf, b"%PDF-1.4", now_iso(), "application/pdf",
                    "not HTML: application/pdf", for_good=True)
    assert db.seen("hanoigov", pdf, "2")[0]         # refused by two runs: skipped from now on
    pages = list(db.refused_pages())
    assert pages == [("baolaocai", broken, "<html>bài</html>".encode(),
                      "text/html; charset=utf-8"),
                     ("hanoigov", pdf, b"%PDF-1.4", "application/pdf")]
    assert [p[1] for p in db.refused_pages(site="baolaocai")] == [broken]
    # read as an article later (a fixed rule): no longer refused, the raw page is the article's
    fixed = make_article(url=broken, site="baolaocai", article_id="1", html=None)
    fixed.extracted_by = {"body": "trafilatura"}   # Article.extracted_by (crawler/items.py)
    db.store_article(fixed)
    assert [p[1] for p in db.refused_pages()] == [pdf]
    assert db.raw_html(broken) == "<html>bài</html>".encode()
    stored = db.db.execute("SELECT extracted_by FROM articles WHERE url = ?", [broken]).fetchone()
    assert json.loads(stored[0]) == {"body": "trafilatura"}
    db.close()


def test_an_undated_article_is_refreshed_by_its_first_seen_time(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    long_ago = (datetime.now().astimezone() - timedelta(days=2)).isoformat(timespec="seconds")
    db.store_article(make_article(url="https://tuoitrethudo.vn/a-5.html", site="tuoitrethudo",
                                  article_id="5", published_at=None, fetched_at=long_ago))
    db.store_article(make_article(url="https://tuoitrethudo.vn/a-6.html", site="tuoitrethudo",
                                  article_id="6", published_at="2020-01-01T00:00:00+07:00",
                                  fetched_at=long_ago, title="Khác", body="Khác hẳn."))
    now = datetime.now().astimezone()
    due = db.due_for_refresh("tuoitrethudo", (now - timedelta(days=3)).isoformat(),
                             (now - timedelta(hours=20)).isoformat())
    assert [row["url"] for row in due] == ["https://tuoitrethudo.vn/a-5.html"]
    db.close()


def _open_at_once(path: str, barrier, results) -> None:
    barrier.wait()
    try:
        with NewsDB(path) as db:
            run = db.start_run("hanoigov", os.getpid())
            db.finish_run(run, status="finished")
        results.put("ok")
    except Exception as exc:  # reported to the test
        results.put(f"{type(exc).__name__}: {exc}")


def test_eight_processes_opening_one_new_file_at_once_all_succeed(tmp_path):
    """The race of issue 12 without Scrapy: processes released together by a barrier create,
    switch to WAL and migrate the same new file; every one succeeds, the migrations are
    recorded once. Repeated on 10 fresh files."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for n in range(10):
        path = str(tmp_path / f"new{n}.db")
        barrier, results = context.Barrier(8), context.Queue()
        procs = [context.Process(target=_open_at_once, args=(path, barrier, results))
                 for _ in range(8)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert sorted(results.get(timeout=5) for _ in procs) == ["ok"] * 8
        with NewsDB(path) as db:
            assert db.count("crawl_runs") == 8
            names = [m.name for m in MIGRATIONS.applied(db.db)]
            assert names == [m.name for m in MIGRATIONS._migrations]   # each once, in order


def test_what_site_health_asks(tmp_path):
    """The questions crawler/health.py asks to assess a run."""
    db = NewsDB(tmp_path / "news.db")
    run = db.start_run("laodongthudo", os.getpid())
    started = db.run_started_at(run)
    db.store_article(make_article(author=None, published_at=None, fetched_at=now_iso()))
    assert db.new_article_fields("laodongthudo", started) == {
        "articles": 1, "title": 1, "body": 1, "date": 0, "author": 0}
    assert db.new_article_fields("laodongthudo", "2999-01-01") == {
        "articles": 0, "title": 0, "body": 0, "date": 0, "author": 0}
    assert db.newest_first_seen("laodongthudo") >= started
    assert db.newest_first_seen("hanoigov") is None
    assert db.runs_with_new_articles("laodongthudo") == 0
    db.finish_run(run, articles_new=1)
    assert db.runs_with_new_articles("laodongthudo") == 1
    assert db.run_started_at(run + 1) is None
    db.close()


def test_topics_are_stored_but_are_not_part_of_the_content(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    tagged = make_article(topics=["công đoàn"], labour_relevant=True,
                          topic_terms=[{"term": "công đoàn", "topic": "công đoàn",
                                        "where": "title", "count": 1, "kind": "strong",
                                        "points": 9.0}])
    assert tagged.content_hash == make_article().content_hash
    assert db.store_article(tagged) == "new"
    row = db.db.execute("SELECT topics, labour_relevant, updated_at FROM articles").fetchone()
    assert row == ('["công đoàn"]', 1, None)
    # the evidence is derived from the text where it is shown, never stored (migration 0013)
    assert "topic_terms" not in db.db.table("articles").columns_dict
    # the same text tagged with another vocabulary: the topics change, the article does not
    retagged = make_article(topics=["công đoàn", "việc làm"], labour_relevant=True, topic_terms=[])
    assert db.store_article(retagged) == "unchanged"
    row = db.db.execute("SELECT topics, updated_at FROM articles").fetchone()
    assert (json.loads(row[0]), row[1]) == (["công đoàn", "việc làm"], None)
    assert db.count("article_versions") == 0
    # an article whose topics could not be computed keeps the stored ones
    assert db.store_article(make_article()) == "unchanged"
    assert json.loads(db.db.execute("SELECT topics FROM articles").fetchone()[0]) == [
        "công đoàn", "việc làm"]
    db.close()


def test_signatures_are_datasketchs_minhash_and_old_signatures_still_compare():
    """crawler/dedup.py computes datasketch's MinHash with numpy (no scipy import at start-up);
    signatures are stored in 512 bytes, those stored before in 1,024 still read and compare."""
    import numpy as np
    from datasketch import MinHash

    from crawler import dedup

    rng = random.Random(7)
    words = ["công", "đoàn", "lao", "động", "việc", "làm", "lương", "Hà", "Nội"]
    for n in (30, 400, 3000):
        text = " ".join(f"{rng.choice(words)}{rng.randint(0, 40)}" for _ in range(n))
        expected = MinHash(num_perm=dedup.NUM_PERM, seed=1)
        expected.update_batch(dedup.shingles(text))
        ours = dedup.signature(text)
        assert ours.tolist() == expected.hashvalues.tolist()
        old_blob = expected.hashvalues.astype(np.uint64).astype("<u8").tobytes()
        assert len(dedup.to_blob(ours)) == 512 and len(old_blob) == 1024
        assert dedup.similarity(dedup.from_blob(old_blob), dedup.from_blob(dedup.to_blob(ours))) == 1
        assert dedup.band_keys(dedup.from_blob(old_blob)) == dedup.band_keys(ours)


KILLED_WRITER = """
import os, sys
from crawler.store import NewsDB, rawpages
from tests.test_storage import store_pages

kill_at = sys.argv[2]
if kill_at == "dictionary":       # SIGKILL inside the transaction that stores a new dictionary
    save = rawpages.RawPageWriter.store_dictionary
    def store_dictionary(self, packed, trained_at):
        save(self, packed, trained_at)
        if packed.trained is not None:
            os.kill(os.getpid(), 9)
    rawpages.RawPageWriter.store_dictionary = store_dictionary
db = NewsDB(sys.argv[1])
store_pages(db, "laodongthudo", range(int(sys.argv[3])))
if kill_at == "end":
    os.kill(os.getpid(), 9)
"""


def consistent(db):
    """Every stored article has its raw page (readable), signature and search row; every page
    refers to a stored dictionary; SQLite's own check passes."""
    conn = db.db.conn
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM raw_pages WHERE dictionary IS NOT NULL AND "
                        "dictionary NOT IN (SELECT id FROM raw_page_dictionaries)"
                        ).fetchone()[0] == 0
    urls = [u for (u,) in conn.execute("SELECT url FROM articles")]
    for url in urls:
        i = int(url.rsplit("-", 1)[1].split(".")[0])
        assert db.raw_html(url) == site_page("laodongthudo", i)
    assert conn.execute("SELECT count(*) FROM articles WHERE id NOT IN "
                        "(SELECT article FROM minhashes)").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len(urls)
    return len(urls)


@pytest.mark.parametrize("kill_at", ["dictionary", "end"])
def test_a_killed_writer_leaves_nothing_half_written_and_a_rerun_completes(tmp_path, repo_root,
                                                                             kill_at):
    path = tmp_path / "news.db"
    n = TRAIN_PAGES + 30
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path), kill_at, str(n)],
                          cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-2000:]
    db = NewsDB(path)
    stored = consistent(db)
    if kill_at == "dictionary":    # the transaction storing it and the page was not committed
        assert stored == TRAIN_PAGES - 1 and db.count("raw_page_dictionaries") == 0
    else:
        assert stored == n and db.count("raw_page_dictionaries") == 1
    store_pages(db, "laodongthudo", range(n))      # the rerun
    assert consistent(db) == n
    # pages kept without a dictionary (the site had none yet) get one from `newscrawl compact`
    db.recompress_raw_pages()
    assert consistent(db) == n
    assert db.count("raw_page_dictionaries") == 1
    assert db.db.execute("SELECT count(*) FROM raw_pages WHERE dictionary IS NULL"
                         ).fetchone()[0] == 0
    db.close()


def test_newscrawl_compact_converts_an_old_database(tmp_path, repo_root):
    path = tmp_path / "news.db"
    pages = [("laodongthudo", i) for i in range(TRAIN_PAGES + 10)] + [("baolaocai", 1)]
    old_zlib_database(path, pages)
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "compact", "--db", str(path)],
                          cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{len(pages)} pages compressed again" in proc.stdout
    assert "1 without one" in proc.stdout and "0 in the old zlib form" in proc.stdout
    with NewsDB(path) as db:
        assert all(db.raw_html(f"https://{s}.vn/bai-{i}.html") == site_page(s, i)
                   for s, i in pages)


def test_migration_0013_drops_the_stored_evidence_and_compact_vacuum_gives_the_space_back(
        tmp_path, repo_root):
    path = tmp_path / "news.db"
    with NewsDB(path) as db:
        for i in range(200):
            db.store_article(make_article(url=f"https://laodongthudo.vn/bai-{i}.html",
                                          article_id=str(i), title=f"Công đoàn {i}",
                                          body=f"Bài số {i}.\n\nĐoàn viên công đoàn."))
        before = db.db.execute("SELECT * FROM articles ORDER BY id").fetchall()
    with sqlite3.connect(path) as conn:     # as the version before 0013 left it
        conn.execute("ALTER TABLE articles ADD COLUMN topic_terms TEXT")
        conn.execute("UPDATE articles SET topic_terms = ?", [json.dumps(
            [{"term": "công đoàn", "topic": "công đoàn", "where": "body", "count": 2,
              "kind": "strong", "points": 3.0}] * 80, ensure_ascii=False)])
        conn.execute("DELETE FROM _sqlite_migrations WHERE name LIKE '0013 %'")
    conn.close()
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = path.stat().st_size
    with NewsDB(path) as db:               # migration 0013
        assert "topic_terms" not in db.db.table("articles").columns_dict
        assert db.db.execute("SELECT * FROM articles ORDER BY id").fetchall() == before
        assert db.db.execute("PRAGMA freelist_count").fetchone()[0] > 0
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "compact", "--vacuum",
                           "--db", str(path)], cwd=repo_root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "vacuumed:" in proc.stdout
    assert path.stat().st_size < size / 2
    with NewsDB(path) as db:
        assert db.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert db.db.execute("SELECT * FROM articles ORDER BY id").fetchall() == before


def test_old_signatures_and_text_band_keys_migrate_and_still_find_copies(tmp_path):
    """A database from before migration 0010: 1,024-byte signatures and text band keys in a
    table with two indexes. Opened, its band keys are integers in one b-tree, and a copy of a
    story stored before is still found."""
    import hashlib

    import numpy as np

    from crawler import dedup

    path = tmp_path / "news.db"
    body = " ".join(f"từ{(k * k) % 991} câu{k % 37}" for k in range(120))
    with NewsDB(path) as db:
        assert db.store_article(make_article(body=body)) == "new"
    with sqlite3.connect(path) as conn:
        article, blob = conn.execute("SELECT article, signature FROM minhashes").fetchone()
        sig = dedup.from_blob(blob).astype(np.uint64)
        old_keys = [f"{band}:" + hashlib.blake2b(sig[band * 6:(band + 1) * 6].tobytes(),
                                                 digest_size=8).hexdigest() for band in range(21)]
        conn.execute("DROP TABLE minhash_bands")
        conn.execute("CREATE TABLE minhash_bands (band_key TEXT, article INTEGER)")
        conn.execute("CREATE INDEX idx_minhash_bands_band_key ON minhash_bands (band_key)")
        conn.execute("CREATE INDEX idx_minhash_bands_article ON minhash_bands (article)")
        conn.executemany("INSERT INTO minhash_bands VALUES (?, ?)", [(k, article) for k in old_keys])
        conn.execute("UPDATE minhashes SET signature = ?", [sig.astype("<u8").tobytes()])
        conn.execute("DELETE FROM _sqlite_migrations WHERE name LIKE '0010 %'")
    conn.close()
    with NewsDB(path) as db:
        keys = db.db.execute("SELECT band_key, typeof(band_key) FROM minhash_bands").fetchall()
        assert sorted(k for k, _ in keys) == sorted(dedup.band_keys(dedup.signature(body)))
        assert {t for _, t in keys} == {"integer"}
        assert [i.origin for i in db.db.table("minhash_bands").indexes] == ["pk"]
        copy = make_article(url="https://baolaocai.vn/ban-sao-9.html", site="baolaocai",
                            article_id="9", body=body,
                            published_at="2021-01-27T11:00:00+07:00")
        assert db.store_article(copy) == "duplicate"
        # an update replaces the article's band rows
        assert db.store_article(make_article(body=body + " thêm một câu mới ở cuối bài")) == \
            "updated"
        assert db.db.execute("SELECT count(*) FROM minhash_bands").fetchone()[0] == 21
