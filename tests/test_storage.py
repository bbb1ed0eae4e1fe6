"""Tests for crawler/store/: the SQLite layer (real database files in tmp_path, no mocks).

Covers new/unchanged/updated semantics, compressed raw pages, WAL mode, per-article commits
visible to a second connection, crash bookkeeping (mark_interrupted) and idempotent schema.
"""
import json
import os
import subprocess
import sys
import zlib

from crawler.items import Article
from crawler.store import NewsDB, now_iso


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
    blob = db.db.execute("SELECT html_zlib FROM raw_pages").fetchone()[0]
    assert len(blob) < len(html)
    assert zlib.decompress(blob) == html
    assert db.raw_html(make_article().url) == html
    assert db.raw_html("https://example.com/none") is None
    db.close()


def test_wal_mode_and_pragmas(tmp_path):
    db = NewsDB(tmp_path / "news.db")
    assert db.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
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
