"""`newscrawl reextract`: stored articles read again from their raw pages with the current rules.

A real database from a replay crawl of one site (subprocess `newscrawl crawl`, a ReplayServer on
127.0.0.1), then a stored body tampered with in SQL (re-extraction restores it; the tampered text
is kept in article_versions), and a rule changed (every title comes out different).
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from crawler.items import Article
from crawler.reextract import reextract
from crawler.sites import site_spiders
from replay.server import ReplayServer
from replay.web import ReplayWeb

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def query(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


@pytest.fixture(scope="module")
def hanoigov_db(tmp_path_factory, repo_root):
    """A database holding one real crawl of hanoigov through the replay."""
    db = tmp_path_factory.mktemp("reextract") / "news.db"
    with ReplayServer(web=ReplayWeb()) as server:
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "hanoigov", "--db", str(db), *FAST],
            env={**os.environ, **server.env()}, cwd=repo_root, capture_output=True, text=True,
            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return db


@pytest.fixture
def db(hanoigov_db, tmp_path):
    copy = tmp_path / "news.db"
    with sqlite3.connect(hanoigov_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def run_cli(db, *args, repo_root):
    return subprocess.run([sys.executable, "-m", "crawler.cli", "reextract", "--db", str(db),
                           *args], cwd=repo_root, capture_output=True, text=True, timeout=300)


def test_reextract_restores_a_tampered_body_and_keeps_the_tampered_text_as_a_version(db, repo_root):
    stored = query(db, "select * from articles order by id")
    assert len(stored) >= 20
    target = stored[3]
    # as an older extraction would have stored it: another body, with its content hash
    tampered = Article(url=target["url"], site=target["site"], article_id=target["article_id"],
                       title=target["title"], sapo=target["sapo"], body="Bị sửa tay.",
                       author=target["author"], published_at=target["published_at"])
    with sqlite3.connect(db) as conn:
        conn.execute("update articles set body = ?, content_hash = ? where id = ?",
                     (tampered.body, tampered.content_hash, target["id"]))

    result = run_cli(db, "--jobs", "2", repo_root=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert (f"read {len(stored)}, changed 1, unchanged {len(stored) - 1}, failed 0"
            in result.stdout), result.stdout
    assert "articles/s" in result.stdout

    [row] = query(db, "select * from articles where id = ?", (target["id"],))
    assert row["body"] == target["body"]                  # restored from the raw page
    assert row["content_hash"] == target["content_hash"]
    assert row["fetched_at"] == target["fetched_at"]      # nothing was fetched
    assert row["updated_at"] and row["updated_at"] >= target["fetched_at"]
    [version] = query(db, "select * from article_versions")
    assert (version["article"], version["body"]) == (target["id"], "Bị sửa tay.")
    assert version["replaced_at"] == row["updated_at"]
    # every other row untouched
    after = {r["id"]: r for r in query(db, "select * from articles")}
    assert all(after[r["id"]] == r for r in stored if r["id"] != target["id"])
    # the search index follows the row: it holds what the content table holds (integrity-check
    # with rank 1 compares the two), and the restored text is found
    with sqlite3.connect(db) as conn:
        conn.execute("insert into articles_fts (articles_fts, rank) values ('integrity-check', 1)")
    word = max(re.findall(r"[^\W\d_]+", target["body"].lower()), key=len)
    hits = query(db, "select rowid from articles_fts where articles_fts match ?", (f'"{word}"',))
    assert target["id"] in {h["rowid"] for h in hits}

    again = run_cli(db, repo_root=repo_root)                 # nothing left to change
    assert f"changed 0, unchanged {len(stored)}, failed 0" in again.stdout, again.stdout


def test_a_rule_change_updates_every_article_of_the_site_and_only_that_site(db, monkeypatch):
    stored = query(db, "select id, title from articles where site = 'hanoigov' order by id")
    spider = site_spiders()["hanoigov"]
    # a new rule: drop the last word of every title (before the site's time stamp suffix)
    suffix = rf"\s+\S+\s*(?:{spider.rules.title_suffix})?"
    monkeypatch.setattr(spider, "rules", spider.rules.but(title_suffix=suffix))

    result = reextract(db, site="hanoigov", jobs=1)
    assert (result.read, result.changed, result.failed) == (len(stored), len(stored), 0)
    titles = {r["id"]: r["title"] for r in query(db, "select id, title from articles")}
    assert all(titles[r["id"]] == r["title"].rsplit(" ", 1)[0] for r in stored)
    versions = query(db, "select article, title from article_versions order by article")
    assert [(v["article"], v["title"]) for v in versions] == [(r["id"], r["title"]) for r in stored]

    assert reextract(db, site="laodongthudo", jobs=1).read == 0   # --site filters


def test_unknown_site_and_missing_database_are_usage_errors(tmp_path, db, repo_root):
    assert run_cli(db, "--site", "nosuchsite", repo_root=repo_root).returncode == 2
    result = run_cli(tmp_path / "none.db", repo_root=repo_root)
    assert result.returncode == 1 and "no database" in result.stderr


# --- topics (crawler/topics.py): stored by the crawl, recomputed without fetching ----------------
TOPIC_COLUMNS = ("topics", "labour_relevant")


def expected_topics(row) -> tuple:
    from crawler.store.newsdb import topic_values
    from crawler.topics import classify
    found = classify(row["title"], row["sapo"], row["body"])
    return tuple(topic_values(found.topics, found.labour_relevant).values())


def test_the_crawl_stores_each_articles_topics_as_the_page_path_computes_them(db):
    rows = query(db, "select * from articles order by id")
    assert rows and all(r["topics"] is not None for r in rows)
    assert all(tuple(r[c] for c in TOPIC_COLUMNS) == expected_topics(r) for r in rows)
    assert any(r["labour_relevant"] == 1 and json.loads(r["topics"]) for r in rows)
    assert not {"topic_terms"} & set(rows[0])     # the evidence is derived, not stored


def test_topics_only_fills_a_database_from_before_topics_without_touching_the_text(db, repo_root):
    before = query(db, "select * from articles order by id")
    with sqlite3.connect(db) as conn:      # as a file stored before topics existed
        conn.execute("update articles set topics = null, labour_relevant = null")
    result = run_cli(db, "--topics-only", repo_root=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    relevant = sum(r["labour_relevant"] for r in before)
    assert (f"topics recomputed for {len(before)} articles: changed {len(before)}, unchanged 0; "
            f"labour-relevant {relevant}") in result.stdout, result.stdout
    assert query(db, "select * from articles order by id") == before   # as the crawl stored them
    assert query(db, "select count(*) n from article_versions") == [{"n": 0}]
    again = run_cli(db, "--topics-only", repo_root=repo_root)
    assert f"changed 0, unchanged {len(before)}" in again.stdout, again.stdout


def test_reextract_fills_missing_topics_of_unchanged_articles(db, repo_root):
    before = query(db, "select * from articles order by id")
    with sqlite3.connect(db) as conn:
        conn.execute("update articles set topics = null, labour_relevant = null "
                     "where id % 2 = 0")
    missing = sum(1 for r in before if r["id"] % 2 == 0)
    result = run_cli(db, "--jobs", "2", repo_root=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert f"changed 0, unchanged {len(before)}, failed 0" in result.stdout, result.stdout
    assert f"topics changed {missing} " in result.stdout, result.stdout
    assert query(db, "select * from articles order by id") == before


def test_a_vocabulary_edit_changes_topics_not_the_articles(db, tmp_path, monkeypatch):
    import crawler.topics
    from crawler.reextract import recompute_topics

    before = {r["id"]: r for r in query(db, "select * from articles")}
    # a new topic whose one strong word is in some headlines: "Hà Nội"
    edited = tmp_path / "topics.toml"
    edited.write_text(crawler.topics.VOCABULARY_FILE.read_text(encoding="utf-8") +
                      '\n[topic."thủ đô"]\ndescription = "test"\nstrong = ["hà nội"]\n',
                      encoding="utf-8")
    monkeypatch.setattr(crawler.topics, "VOCABULARY_FILE", edited)
    hit = {i for i, r in before.items() if r["labour_relevant"] and
           "thủ đô" in crawler.topics.classify(r["title"], r["sapo"], r["body"]).topics}
    assert hit, "no stored headline names Hà Nội"

    result = recompute_topics(db)
    assert result.read == len(before) and result.changed >= len(hit)
    after = {r["id"]: r for r in query(db, "select * from articles")}
    assert {i for i, r in after.items() if "thủ đô" in json.loads(r["topics"])} == hit
    for i, row in after.items():      # the text, its hash and its history stay
        assert {k: v for k, v in row.items() if k not in TOPIC_COLUMNS} == \
            {k: v for k, v in before[i].items() if k not in TOPIC_COLUMNS}
    assert query(db, "select count(*) n from article_versions") == [{"n": 0}]


def test_a_broken_vocabulary_stops_reextract_before_anything_is_written(db, tmp_path, repo_root):
    import crawler.topics
    before = query(db, "select * from articles order by id")
    vocabulary = crawler.topics.VOCABULARY_FILE
    saved = vocabulary.read_bytes()
    # the CLI reads the shipped file: break a copy and point a child process at it
    broken = tmp_path / "topics.toml"
    broken.write_text("[scoring\n", encoding="utf-8")
    code = ("import sys, crawler.topics as t, pathlib; t.VOCABULARY_FILE = pathlib.Path(sys.argv[1]);"
            "from crawler.cli import main; main(['reextract', '--topics-only', '--db', sys.argv[2]])")
    result = subprocess.run([sys.executable, "-c", code, str(broken), str(db)], cwd=repo_root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and str(broken) in result.stderr, result.stderr
    assert query(db, "select * from articles order by id") == before
    assert vocabulary.read_bytes() == saved


def test_reextract_reads_old_zlib_pages_and_zstd_pages_with_their_dictionaries(db, monkeypatch):
    import zlib

    from crawler.store import NewsDB, rawpages

    with NewsDB(db) as store:
        pages = {url: store.raw_html(url) for (url,) in
                 store.db.execute("SELECT url FROM articles").fetchall()}
        # every page as a database from before migration 0010 kept it, then converted in place
        # with a dictionary trained on few pages, then every third page back to zlib: all forms
        store.db.conn.executemany("UPDATE raw_pages SET html_zlib = ?, html_zstd = NULL, "
                             "dictionary = NULL WHERE url = ?",
                             [(zlib.compress(html, 6), url) for url, html in pages.items()])
        store.db.conn.commit()
        monkeypatch.setattr(rawpages, "TRAIN_PAGES", 10)
        monkeypatch.setattr(rawpages, "HELD_OUT", 2)
        store.recompress_raw_pages()
        old = sorted(pages)[::3]
        store.db.conn.executemany("UPDATE raw_pages SET html_zlib = ?, html_zstd = NULL, "
                             "dictionary = NULL WHERE url = ?",
                             [(zlib.compress(pages[url], 6), url) for url in old])
        store.db.conn.commit()
        forms = store.db.execute(
            "SELECT count(html_zlib), count(dictionary), "
            "count(html_zstd) - count(dictionary) FROM raw_pages").fetchone()
        assert forms[0] == len(old) and forms[1] > 0, forms
        assert all(store.raw_html(url) == html for url, html in pages.items())
    stored = {r["url"]: r for r in query(db, "select id, url, body from articles")}
    tampered = [old[0], next(u for u in sorted(pages) if u not in old)]
    with sqlite3.connect(db) as conn:
        conn.executemany("UPDATE articles SET body = 'tampered', content_hash = 'x' "
                         "WHERE url = ?", [(u,) for u in tampered])
    conn.close()
    for jobs in (2, 1):      # read in worker processes, then in this one
        result = reextract(db, jobs=jobs)
        assert result.read == len(stored) and result.failed == 0, result.failures
        assert result.changed == (len(tampered) if jobs == 2 else 0)
        after = {r["url"]: r["body"] for r in query(db, "select url, body from articles")}
        assert after == {u: r["body"] for u, r in stored.items()}
