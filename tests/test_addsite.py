"""`newscrawl add-site` against the real replay (replay/newsites/), real crawls in subprocesses.

Declarations are written only into a temporary copy of spiders/ (`--spiders-dir`); the children
run with that directory first on their path, so `scrapy list` and `newscrawl crawl` load it.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import replay.newsites as newsites

REPO_ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.fixture
def project(tmp_path, replay_server):
    """(a temp dir holding a copy of spiders/, the env of a child that loads that copy)."""
    shutil.copytree(REPO_ROOT / "spiders", tmp_path / "spiders",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, **replay_server.env(), "SCRAPY_SETTINGS_MODULE": "crawler.settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])}
    return tmp_path, env


def run(args, project, timeout=300):
    tmp, env = project
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=timeout)


def add_site(url, project, *extra):
    tmp, _ = project
    return run(["add-site", url, "--spiders-dir", str(tmp / "spiders"), "-s", "DOWNLOAD_DELAY=0",
                *extra], project)


def spider_files(tmp: Path) -> list[str]:
    return sorted(p.name for p in (tmp / "spiders").glob("*.py"))


def robots_forbidden(replay_server, host: str) -> list[str]:
    from protego import Protego

    from crawler.settings import USER_AGENT
    body = replay_server.web.respond("GET", host, "/robots.txt").body.decode("utf-8")
    rules = Protego.parse(body)
    return [r.target for r in replay_server.requests if r.host == host
            and not rules.can_fetch(f"https://{host}{r.target}", USER_AGENT)]


def test_a_wordpress_site_is_added_listed_crawled_and_checked(project, replay_server):
    tmp, env = project
    site = newsites.site("congdoanbinhduong")
    replay_server.clear_requests()
    added = add_site(f"https://{site.host}/", project)
    assert added.returncode == 0, added.stdout[-2000:] + added.stderr[-2000:]
    made = [r for r in replay_server.requests if r.host == site.host]
    assert 0 < len(made) <= 60
    assert robots_forbidden(replay_server, site.host) == []
    declaration = (tmp / "spiders" / "congdoanbinhduong.py").read_text("utf-8")
    assert "no id in the URL: the article's key is its path" in declaration
    assert "/category/hoat-dong-cong-doan/" in declaration and "/category/the-thao/" not in \
        declaration.split("class ")[1]
    # the report: samples with the layer of each field, and the channels found
    assert "wp-sitemap" in added.stdout and "feed https://congdoanbinhduong.org.vn/feed/" in added.stdout
    assert "[the page's meta tags]" in added.stdout
    # nothing written in the repository's own spiders/
    assert not (REPO_ROOT / "spiders" / "congdoanbinhduong.py").exists()

    listed = subprocess.run([sys.executable, "-m", "scrapy.cmdline", "list"], cwd=tmp, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "congdoanbinhduong" in listed.stdout.split(), listed.stderr[-2000:]

    db = tmp / "news.db"
    crawled = run(["crawl", "congdoanbinhduong", "--db", str(db), *FAST, "--quiet"], project, 600)
    assert crawled.returncode in (0, 3), crawled.stdout[-2000:] + crawled.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("select url, title from articles where site = 'congdoanbinhduong'"))
    union = {x.url: x.title for x in site.union_articles()}
    found = [u for u in union if u in rows]
    assert len(found) >= 0.95 * len(union)
    assert all(rows[u] == union[u] for u in found)
    assert sum(u not in union for u in rows) <= 0.1 * len(rows)
    # article_id of a pattern without an id group: the path, one per article
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select article_id from articles")]
    assert len(set(ids)) == len(ids) and all(i.startswith("/2026/") for i in ids)

    scheduled = run(["schedule", "--list"], project)
    assert "congdoanbinhduong" in scheduled.stdout, scheduled.stdout[-2000:] + scheduled.stderr[-2000:]

    checked = run(["check", "congdoanbinhduong"], project)
    assert "read as articles" in checked.stdout and checked.returncode == 0, checked.stdout[-2000:]


@pytest.mark.parametrize("url, words", [
    (newsites.PDF_URL, "application/pdf"),
    (newsites.LOGIN_URL, "login page"),
    (newsites.EMPTY_URL, "no article pages found"),
    ("https://congdoanbinhduong.org.vn/wp-login.php", "robots.txt"),
    (newsites.VIDEO_URL, "the samples do not read as articles"),
])
def test_refuses_clearly_and_writes_nothing(project, replay_server, url, words):
    tmp, _ = project
    before = spider_files(tmp)
    replay_server.clear_requests()
    refused = add_site(url, project, "--name", "probe")
    assert refused.returncode == 1, refused.stdout[-1500:] + refused.stderr[-1500:]
    assert "refused" in refused.stderr and words in refused.stderr
    assert spider_files(tmp) == before
    host = url.split("/")[2]
    assert robots_forbidden(replay_server, host) == []


def test_never_overwrites_without_force(project, replay_server):
    tmp, _ = project
    mine = tmp / "spiders" / "baocongnhan.py"
    mine.write_text('"""hand-written"""\n', encoding="utf-8")
    replay_server.clear_requests()
    kept = add_site("https://baocongnhan.vn/", project)
    assert kept.returncode == 2 and "--force" in kept.stderr
    assert mine.read_text("utf-8") == '"""hand-written"""\n'
    assert not [r for r in replay_server.requests if r.host == "baocongnhan.vn"]   # nothing fetched
    forced = add_site("https://baocongnhan.vn/", project, "--force")
    assert forced.returncode == 0, forced.stderr[-2000:]
    text = mine.read_text("utf-8")
    assert "class BaocongnhanSpider(NewsSpider)" in text and "(?P<id>" in text
    assert "/rss/cong-doan.rss" in text and "tin-moi.rss'" not in text.split("class ")[1]


def test_a_pattern_without_id_keys_articles_by_path():
    from crawler.addsite.inspect import spider_class
    from crawler.addsite.shapes import infer
    urls = [x.url for x in newsites.site("congdoanbinhduong").articles]
    shape, _ = infer({"sitemap": urls})
    assert not shape.has_id and "(?P<id>" not in shape.pattern
    spider = spider_class("wp", "congdoanbinhduong.org.vn", shape.pattern)
    assert spider.article_id(urls[0]) == "/" + urls[0].split("/", 3)[3]
    assert spider.article_id("https://congdoanbinhduong.org.vn/category/the-thao/") is None


def test_the_id_is_the_number_that_varies():
    from crawler.addsite.shapes import infer
    urls = [f"https://portal.vn/tin-tuc/-/hn/AbC/7320/{4150000 - i * 7}/1/bai-viet-so-{i}-ve-cong-doan.html"
            for i in range(12)]
    shape, _ = infer({"home": urls})
    import re
    ids = {re.search(shape.pattern, u).group("id") for u in urls}
    assert len(ids) == 12 and "7320" not in ids
