"""Browsing and searching in Datasette, for real: `newscrawl serve` on a database filled by a real
crawl of the replay, driven by Debian's headless chromium (search results, the article page, the
chart), plus Datasette's JSON for the metadata, the canned queries and the read-only promise.

The article page's screenshot is saved as test-artifacts/article-page.png (gitignored).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from crawler.store import search
from crawler.items import Article
from crawler.store.search import fold
from crawler.topics import classify
from crawler.store import NewsDB
from replay.web import ALL_SITES

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
SEED_TITLE = "Chủ động nắm bắt tâm tư, nguyện vọng đoàn viên, công nhân viên chức lao động"
SEED_URL_END = "-118053.html"
BAOLAOCAI_SEED = "Tiếp tục quan tâm để phong trào công nhân, hoạt động công đoàn phát triển"
NO_PROXY_ENV = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def need_browser() -> str:
    if CHROMIUM is None:
        message = "chromium is not installed: `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def chromium(url: str, profile: Path, *args: str) -> str:
    """Run headless chromium on `url` (JavaScript on, 5 s of virtual time); return stdout."""
    browser = need_browser()
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-quic", "--no-first-run", "--no-proxy-server", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=5000", *args, url],
        env=NO_PROXY_ENV, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dom(url: str, profile: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(chromium(url, profile, "--dump-dom"))


def text(element) -> str:
    return " ".join(element.text_content().split())


def get_json(url: str):
    with _http.open(url, timeout=30) as response:
        return json.loads(response.read())


def get_text(url: str) -> str:
    with _http.open(url, timeout=30) as response:
        return response.read().decode("utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Served:
    base: str       # http://127.0.0.1:PORT/news
    db: Path        # the database file being served (a copy of the crawled one)
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="module")
def served(crawled_db, tmp_path_factory, repo_root):
    """`newscrawl serve` on a copy of the crawled replay database (tests may write to the copy)."""
    folder = tmp_path_factory.mktemp("served")
    db = folder / "news.db"
    with sqlite3.connect(crawled_db) as source, sqlite3.connect(db) as target:
        source.backup(target)
    port = free_port()
    log = folder / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--port", str(port)],
            cwd=repo_root, env=NO_PROXY_ENV, stdout=out, stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            get_json(f"{root}/-/versions.json")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"newscrawl serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
    yield Served(f"{root}/news", db, process, log)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def profile(tmp_path) -> Path:
    return tmp_path / "chromium-profile"


def result_rows(page) -> list[dict[str, str]]:
    """The rows of Datasette's results table as {column: text}."""
    [table] = page.cssselect("table.rows-and-columns")
    headers = [th.get("data-column") or text(th) for th in table.cssselect("thead th")]
    return [dict(zip(headers, (text(td) for td in tr.cssselect("td"))))
            for tr in table.cssselect("tbody tr")]


# --- in the browser ---------------------------------------------------------------------
def test_unaccented_search_in_the_browser_finds_the_article(served, profile):
    query = urllib.parse.urlencode({"q": "nguyen vong doan vien cong nhan vien chuc"})
    page = dom(f"{served.base}/search?{query}", profile)
    rows = result_rows(page)
    assert rows, text(page)[:2000]
    assert rows[0]["title"] == SEED_TITLE                      # most relevant first
    assert rows[0]["url"].endswith(SEED_URL_END)
    first = page.cssselect("table.rows-and-columns tbody tr")[0]
    marked = [text(m) for m in first.cssselect("td.col-excerpt mark")]
    assert {fold(m) for m in marked} >= {"nguyen", "vong", "doan", "vien"}, marked
    link = first.cssselect("td.col-title a")[0].get("href")
    assert link.endswith("/news/articles/" + rows[0]["article"])

    # "lao dong" finds "lao động"; "cong doan" and "công đoàn" find "công đoàn", title hits
    # first, one page of results
    page = dom(f"{served.base}/search?q=lao+dong", profile)
    assert any("lao động" in row["title"] for row in result_rows(page))
    plain = result_rows(dom(f"{served.base}/search?q=cong+doan", profile))
    accented = result_rows(dom(f"{served.base}/search?q=c%C3%B4ng+%C4%91o%C3%A0n", profile))
    assert len(plain) == len(accented) == search.PAGE_SIZE
    assert {"cong", "doan"} <= set(fold(plain[0]["title"]).split())          # in the title
    assert {"công", "đoàn"} <= set(search._words(accented[0]["title"].lower()))   # as typed
    with sqlite3.connect(f"file:{served.db}?mode=ro", uri=True) as conn:
        everything = {r["article"] for r in search.search(conn, "cong doan", limit=100_000)}
        assert everything == {r["article"] for r in search.search(conn, "công đoàn",
                                                                    limit=100_000)}
    assert {int(r["article"]) for r in plain + accented} <= everything


def test_unaccented_table_search_in_the_browser(served, profile):
    """The articles table's own search box (?_search=) folds diacritics too."""
    query = urllib.parse.urlencode({"_search": "phong trao cong nhan hoat dong cong doan",
                                    "_size": "max"})   # 67 matches on the six-site replay
    page = dom(f"{served.base}/articles?{query}", profile)
    titles = [row["title"] for row in result_rows(page)]
    assert BAOLAOCAI_SEED in titles, titles
    assert "search matches" in text(page)
    # facets are off for a search (each counts every match), one click brings them back
    assert not page.cssselect(".facet-info")
    link = [a for a in page.iter("a") if a.text == "Show them for this search"]
    assert len(link) == 1, text(page)
    with_facets = dom(urllib.parse.urljoin(f"{served.base}/articles", link[0].get("href")), profile)
    assert with_facets.cssselect(".facet-info")
    assert [row["title"] for row in result_rows(with_facets)][:5] == titles[:5]


def test_article_page_reads_as_an_article(served, profile, repo_root):
    row = get_json(f"{served.base}/articles.json?_shape=array&url__endswith={SEED_URL_END}")[0]
    url = f"{served.base}/articles/{row['id']}"
    artifacts = repo_root / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "article-page.png"
    shot.unlink(missing_ok=True)
    chromium(url, profile, f"--screenshot={shot}", "--window-size=1280,2000",
             "--hide-scrollbars")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000

    page = dom(url, profile)
    [article] = page.cssselect("article.newscrawl-article")
    assert text(article.cssselect("h1")[0]) == SEED_TITLE
    assert page.cssselect("title")[0].text_content().strip() == SEED_TITLE
    paragraphs = [text(p) for p in article.cssselect("p")
                  if not {"newscrawl-meta", "newscrawl-sapo", "newscrawl-tags",
                          "newscrawl-original"} & set((p.get("class") or "").split())]
    assert paragraphs == [" ".join(p.split()) for p in row["body"].split("\n\n") if p.strip()]
    assert text(article.cssselect("p.newscrawl-sapo")[0]) == row["sapo"]
    assert "Phạm Diệp" in text(article.cssselect("p.newscrawl-meta")[0])
    assert row["url"] in [a.get("href") for a in article.cssselect("a")]   # the original


def test_chart_of_articles_per_site_per_day(served, profile):
    page = dom(f"{served.base}/articles_per_site_per_day", profile)
    assert page.cssselect(".vega-embed canvas, .vega-embed svg"), "no chart drawn"
    rows = result_rows(page)
    assert {r["site"] for r in rows} == set(ALL_SITES)


def test_stored_html_is_never_rendered_even_written_while_serving(served, profile):
    """A crawl writes while Datasette serves (not immutable): the new article shows up at once,
    and whatever markup its text holds is shown as text, never run."""
    evil = "<script>document.documentElement.setAttribute('data-pwned', 'yes')</script>"
    bad = Article(
        url="https://baolaocai.vn/bai-co-ma-html-999999.html", site="baolaocai",
        article_id="999999", title="Tiêu đề <b>đậm</b> công đoàn xyzzy",
        body=f"Đoạn một {evil}\n\nĐoạn hai <img src=x onerror=\"document.title='pwned'\">",
        sapo="Sapo <i>nghiêng</i>", published_at="2024-01-02T03:04:00+07:00",
        html=f"<html><body>{evil}<p>raw page</p></body></html>".encode())
    with NewsDB(served.db) as news:               # the database is open in Datasette meanwhile
        assert news.store_article(bad) == "new"
    found = get_json(f"{served.base}/search.json?_shape=array&q=cong+doan+xyzzy")
    assert [r["url"] for r in found] == [bad.url]

    for url in (f"{served.base}/articles/{found[0]['article']}",
                f"{served.base}/articles?_search=xyzzy",
                f"{served.base}/search?q=xyzzy"):
        page = dom(url, profile)
        assert page.get("data-pwned") is None, url
        assert "pwned" not in text(page.cssselect("title")[0]), url
        assert not page.cssselect('img[src="x"]'), url
        assert not [e for e in page.iter("b", "i") if e.text in ("đậm", "nghiêng")], url
        assert not [s for s in page.iter("script") if "pwned" in (s.text or "")], url
        assert "<b>đậm</b>" in text(page), url      # shown as text
    article_page = dom(f"{served.base}/articles/{found[0]['article']}", profile)
    assert "<script>" in text(article_page.cssselect("article")[0])

    raw = get_text(f"{served.base}/raw_pages?url={urllib.parse.quote(bad.url, safe='')}")
    assert "compressed page HTML, not shown" in raw
    assert "raw page" not in raw and "data-pwned" not in raw


# --- metadata, queries, read-only (Datasette's JSON) ------------------------------------
def test_metadata_titles_facets_and_newest_first(served):
    page = get_json(f"{served.base}/articles.json?_size=20")
    assert page["human_description_en"] == "sorted by published_at descending"
    dates = [r[page["columns"].index("published_at")] for r in page["rows"]]
    assert dates == sorted(dates, reverse=True)
    facets = page["facet_results"]
    assert set(facets) == {"site", "section", "published_at", "author", "topics",
                           "labour_relevant"}
    assert facets["published_at"]["type"] == "month"
    months = facets["published_at"]["results"]
    assert months and all(len(m["value"]) == 7 and m["value"][4] == "-" for m in months)
    month = months[0]["value"]
    picked = get_json(f"{served.base}/articles.json?_shape=array&published_at__startswith={month}"
                      "&_col=published_at&_size=max")
    assert len(picked) == months[0]["count"]
    assert {f["value"] for f in facets["site"]["results"]} == set(ALL_SITES)

    html = get_text(f"{served.base}/articles")
    assert "<h1" in html and "Articles" in html
    assert "Canonical URL of the original article" in html            # column descriptions
    assert "laodongthudo.vn, tuoitrethudo.vn, baolaocai.vn, hanoi.gov.vn, laodong.vn, " \
        "nld.com.vn" in html                                           # sources
    index = get_text(f"{served.base}")
    for query in ("search", "new_last_24h", "articles_per_site_per_day", "latest_runs",
                  "duplicates_found", "labour_coverage", "labour_feed", "search_feed"):
        assert f'/news/{query}"' in index, query
    tables = {t["name"]: t for t in get_json(f"{served.base}.json")["tables"]}
    assert tables["raw_pages"]["hidden"] and tables["articles_fts"]["hidden"]
    assert not tables["articles"]["hidden"]


def test_canned_queries(served, crawled_db):
    with sqlite3.connect(f"file:{crawled_db}?mode=ro", uri=True) as conn:
        stored = conn.execute("select count(*) from articles").fetchone()[0]
        copies = conn.execute("select count(*) from duplicates").fetchone()[0]
    new = get_json(f"{served.base}/new_last_24h.json?_shape=array&_size=max")
    assert len(new) >= stored                       # the replay crawl just stored them all
    assert [r["first_seen_at"] for r in new] == sorted((r["first_seen_at"] for r in new),
                                                       reverse=True)
    per_day = get_json(f"{served.base}/articles_per_site_per_day.json?_shape=array&days=3650")
    assert sum(r["articles"] for r in per_day) >= stored - 4 - 10   # undated ones not counted
    runs = get_json(f"{served.base}/latest_runs.json?_shape=array")
    assert len(runs) == len(ALL_SITES) and {r["spider"] for r in runs} == set(ALL_SITES)
    assert all(r["health"] for r in runs) and all(r["pages"] > 0 for r in runs)
    duplicates = get_json(f"{served.base}/duplicates_found.json?_shape=array")
    assert len(duplicates) == copies
    assert all(r["title"] and r["copy_url"] != r["original_url"] for r in duplicates)
    assert get_json(f"{served.base}/search.json?_shape=array&q=") == []   # no error either
    assert get_json(f"{served.base}/search.json?_shape=array&q=%22+*+(") == []


def test_datasette_never_writes_the_database(served):
    """Datasette opens the file mode=ro and the plugin adds PRAGMA query_only: serving leaves
    the file as it is, and even Datasette's own write API is refused."""
    before = file_digest(served.db)
    for path in ("", "/articles", "/articles?_search=cong+doan", "/search?q=cong+doan",
                 "/latest_runs", "/crawl_runs", "/articles/1", "/duplicates_found"):
        get_text(served.base + path)
    assert file_digest(served.db) == before
    assert {p.name for p in served.db.parent.iterdir()} <= {
        "news.db", "news.db-wal", "news.db-shm", "serve.log"}
    with pytest.raises(urllib.error.HTTPError) as refused:   # Datasette runs only SELECT
        get_text(f"{served.base}.json?sql=" + urllib.parse.quote("update articles set title = 'x'"))
    assert json.loads(refused.value.read())["ok"] is False

    from datasette.app import Datasette

    async def try_to_write() -> None:
        ds = Datasette([str(served.db)], plugins_dir=str(search.DATASETTE_DIR / "plugins"))
        db = ds.get_database("news")
        assert (await db.execute("select count(*) from articles")).rows[0][0] > 0
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
            await db.execute_write("insert into crawl_runs (spider) values ('datasette')")

    asyncio.run(try_to_write())
    assert file_digest(served.db) == before


def test_serving_a_database_under_another_name(tmp_path):
    path = search.metadata_for(tmp_path / "crawl-2024.db")
    metadata = json.loads(path.read_text(encoding="utf-8"))
    assert list(metadata["databases"]) == ["crawl-2024"]
    assert '"/crawl-2024/search"' in metadata["description_html"]
    assert "/news/" not in json.dumps(metadata)
    assert search.metadata_for(tmp_path / "news.db") == search.DATASETTE_DIR / "metadata.json"


def test_serve_without_a_database_says_what_to_do(tmp_path, repo_root):
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(tmp_path / "none.db")],
        cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "no database at" in result.stderr and "newscrawl crawl" in result.stderr
    assert not (tmp_path / "none.db").exists()


# --- topics, the reading list, the coverage chart and the Atom feeds (issue 13) -----------------
def in_window(url: str, expression: str, size: str = "1280,1600") -> object:
    """Open `url` in headless chromium with a window of `size` and return the value of the
    JavaScript `expression` once the page has loaded (over the DevTools protocol)."""
    import aiohttp

    port = free_port()
    profile = Path(tempfile.mkdtemp(prefix="newscrawl-chromium-"))
    process = subprocess.Popen(
        [need_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-proxy-server", "--disable-extensions", "--hide-scrollbars",
         f"--window-size={size}", f"--user-data-dir={profile}",
         f"--remote-debugging-port={port}", url],
        env=NO_PROXY_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def evaluate() -> object:
        deadline = time.monotonic() + 60
        while True:
            try:
                targets = [t for t in get_json(f"http://127.0.0.1:{port}/json/list")
                           if t["type"] == "page"]
                if targets:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "chromium's DevTools did not answer"
            await asyncio.sleep(0.2)
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(targets[0]["webSocketDebuggerUrl"],
                                          max_msg_size=0) as ws:
                calls = 0

                async def run(js: str):
                    nonlocal calls
                    calls += 1
                    await ws.send_json({"id": calls, "method": "Runtime.evaluate",
                                        "params": {"expression": js, "returnByValue": True}})
                    async for message in ws:
                        answer = json.loads(message.data)
                        if answer.get("id") == calls:
                            return answer["result"]["result"].get("value")

                while await run("document.readyState") != "complete" or \
                        await run("location.href") == "about:blank":
                    assert time.monotonic() < deadline, "the page did not load"
                    await asyncio.sleep(0.2)
                await asyncio.sleep(0.5)      # fonts and layout settle
                return await run(expression)

    try:
        return asyncio.run(evaluate())
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


ROWS_IN_VIEW = """JSON.stringify((() => {
  const rows = [...document.querySelectorAll('table.rows-and-columns tbody tr')];
  return {height: window.innerHeight, url: location.href, rows: rows.length,
          columns: [...document.querySelectorAll('table.rows-and-columns thead th')]
                   .map(th => th.dataset.column),
          visible: rows.filter(r => r.getBoundingClientRect().bottom <= window.innerHeight
                                    && r.getBoundingClientRect().right <= window.innerWidth
                                    && r.getBoundingClientRect().top >= 0).length};
})())"""


def test_the_articles_table_shows_20_rows_and_more_in_a_1280x1600_window(served):
    seen = json.loads(in_window(f"{served.base}/articles", ROWS_IN_VIEW))
    assert seen["columns"] == ["id", "title", "site", "published_at", "topics", "sapo"], seen
    assert "_col=topics" in seen["url"]
    assert seen["visible"] >= 20, seen               # whole rows, without scrolling
    # bodies: cut short in lists, whole on the article page
    listed = lxml.html.fromstring(get_text(f"{served.base}/articles?_col=title&_col=body"))
    cells = listed.cssselect("td.col-body")
    assert cells and all(len(text(c)) < 400 and "characters" in text(c) for c in cells)
    # a URL that names its columns is served as it is (no redirect): every column
    page = get_json(f"{served.base}/articles.json?_size=1")
    assert {"body", "topics", "labour_relevant"} <= set(page["columns"])


def test_the_topic_facet_narrows_the_rows(served, profile, crawled_db):
    page = dom(f"{served.base}/articles", profile)
    links = {text(a): a.get("href") for a in page.cssselect(".facet-info a")
             if "topics__arraycontains=" in (a.get("href") or "")}
    with sqlite3.connect(f"file:{crawled_db}?mode=ro", uri=True) as conn:
        total = conn.execute("select count(*) from articles").fetchone()[0]
        counts = dict(conn.execute("select t.value, count(*) from articles a, "
                                   "json_each(a.topics) t group by t.value").fetchall())
    assert set(links) == set(counts), (links, counts)
    topic = min(counts, key=counts.get)              # the rarest topic: a real narrowing
    assert counts[topic] < total
    narrowed = dom(urllib.parse.urljoin(served.base, links[topic]), profile)
    assert f"{counts[topic]} row" in text(narrowed.cssselect("h3")[0])
    rows = result_rows(narrowed)
    assert rows and all(topic in row["topics"] for row in rows)
    relevant = get_json(f"{served.base}/articles.json?_facet=labour_relevant&_size=0")
    values = {f["value"]: f["count"] for f in relevant["facet_results"]["labour_relevant"]["results"]}
    assert sum(values.values()) == total and values.get(1, 0) > 0


def test_the_article_page_lists_its_topics_and_the_matched_words(served, profile):
    row = get_json(f"{served.base}/articles.json?_shape=array&url__endswith={SEED_URL_END}")[0]
    page = dom(f"{served.base}/articles/{row['id']}", profile)
    [box] = page.cssselect("article .newscrawl-topics")
    assert [text(t) for t in box.cssselect(".newscrawl-topic")] == json.loads(row["topics"])
    listed = [text(li) for li in box.cssselect("ul.newscrawl-terms li")]
    # the evidence is not stored: the page derives it from the text (crawler/topics.py)
    terms = classify(row["title"], row["sapo"], row["body"]).topic_terms
    assert len(listed) == len(terms) and terms
    for shown, term in zip(listed, terms):
        assert shown.startswith(term["term"]) and f"{term['points']} points" in shown


def test_the_coverage_query_draws_its_chart(served, profile, crawled_db):
    page = dom(f"{served.base}/labour_coverage", profile)
    assert page.cssselect(".vega-embed canvas, .vega-embed svg"), "no chart drawn"
    assert "coverage per month, per site and topic" in text(page.cssselect("h1")[0]).lower()
    rows = get_json(f"{served.base}/labour_coverage.json?_shape=array&_size=max")
    with sqlite3.connect(f"file:{crawled_db}?mode=ro", uri=True) as conn:
        expected = conn.execute(
            "select count(*) from articles a left join json_each(a.topics) t "
            "where a.labour_relevant = 1 and a.published_at != ''").fetchone()[0]
    assert sum(r["articles"] for r in rows) == expected > 0
    assert {r["site"] for r in rows} == set(ALL_SITES)
    assert all(len(r["month"]) == 7 for r in rows)


def parse_feed(url: str):
    import feedparser
    with _http.open(url, timeout=30) as response:
        assert response.status == 200 and "xml" in response.headers["Content-Type"]
        feed = feedparser.parse(response.read())
    assert feed.version == "atom10" and not feed.bozo, (feed.version, feed.get("bozo_exception"))
    return feed


def newest_first(feed) -> bool:
    stamps = [e.updated_parsed for e in feed.entries]
    return stamps == sorted(stamps, reverse=True)


def test_the_atom_feeds_parse_as_atom_and_list_the_newest_first(served, crawled_db):
    with sqlite3.connect(f"file:{crawled_db}?mode=ro", uri=True) as conn:
        newest = [r[0] for r in conn.execute(
            "select url from articles where labour_relevant = 1 order by "
            "coalesce(nullif(published_at, ''), first_seen_at) desc, id desc limit 50")]
    feed = parse_feed(f"{served.base}/labour_feed.atom")
    assert feed.feed.title == "New union and labour articles"
    assert [e.id for e in feed.entries] == newest and newest_first(feed)
    assert all(e.link == e.id and e.title for e in feed.entries)

    query = "bảo hiểm xã hội"      # the 50 matching articles stored last, newest first
    feed = parse_feed(f"{served.base}/search_feed.atom?" + urllib.parse.urlencode({"q": query}))
    with sqlite3.connect(f"file:{crawled_db}?mode=ro", uri=True) as conn:
        matching = search.search(conn, query, limit=100_000)
        urls = dict(conn.execute("select id, url from articles"))
    assert len(matching) > 50
    stored_last = sorted((r["article"] for r in matching), reverse=True)[:50]
    assert feed.entries and {e.id for e in feed.entries} == {urls[i] for i in stored_last}
    assert newest_first(feed)
    nothing = parse_feed(f"{served.base}/search_feed.atom?q=xyzzyqwv")   # a valid, empty feed
    assert nothing.entries == []

    # linked from the home page and from the search page (and announced in its head)
    home = lxml.html.fromstring(get_text(served.base.rsplit("/", 1)[0] + "/"))
    assert any(a.get("href", "").endswith("/news/labour_feed.atom") for a in home.iter("a"))
    search_page = lxml.html.fromstring(get_text(f"{served.base}/search?q=cong+doan"))
    feed_links = [a.get("href") for a in search_page.iter("a")
                  if "search_feed.atom?q=" in (a.get("href") or "")]
    assert feed_links and feed_links[0].endswith("q=cong%20doan")
    assert search_page.cssselect('link[rel="alternate"][type="application/atom+xml"]')
    assert len(parse_feed(urllib.parse.urljoin(served.base, feed_links[0])).entries) > 0


# --- search: the marks typed first, one page at a time, the same matching everywhere (issue 21) --
MARKS = [   # (title, body): articles only this test's word "qzxv" finds
    ("Cổng đoán qzxv: Cổng đoán", "Xem bói trước cổng đoán vận hạn."),                # folded only
    ("Tin tổng hợp qzxv", "Cuối tuần, công đoàn cơ sở tổ chức hội thao."),           # body only
    ("Công đoàn qzxv chăm lo đoàn viên", "Công đoàn cơ sở trao quà cho đoàn viên."),
]


def test_a_search_typed_with_marks_lists_the_exact_matches_first(served, profile):
    with NewsDB(served.db) as news:          # written while Datasette serves the file
        for n, (title, body) in enumerate(MARKS):
            news.store_article(Article(
                url=f"https://laodongthudo.vn/qzxv-{n}-99990{n}.html", site="laodongthudo",
                article_id=f"99990{n}", title=title, body=body,
                published_at=f"2024-02-0{n + 1}T08:00:00+07:00"))
    urls = {title: get_json(f"{served.base}/articles.json?_shape=array&title={urllib.parse.quote(title)}")[0]["url"]
            for title, _ in MARKS}

    def titles(query: str) -> list[str]:
        page = dom(f"{served.base}/search?" + urllib.parse.urlencode({"q": query}), profile)
        return [row["title"] for row in result_rows(page)]

    gate, body_only, union = (title for title, _ in MARKS)
    # typed with marks: both articles saying "công đoàn" (even in the body only) before the one
    # saying "Cổng đoán", though that one has the letters twice in its title
    found = titles("công đoàn qzxv")
    assert found[-1] == gate and set(found) == {gate, body_only, union}, found
    assert titles("CÔNG ĐOÀN QZXV")[-1] == gate
    assert titles("Cổng đoán qzxv")[0] == gate                  # its own marks: first
    assert set(titles("cong doan qzxv")) == set(found)          # without marks: all three
    assert titles("cong doan qzxv")[-1] == body_only            # no marks: titles first

    # the articles table's own search box and the search feed match the same way
    for query in ("công đoàn qzxv", "cong doan qzxv", "Cổng đoán qzxv"):
        table = get_json(f"{served.base}/articles.json?_shape=array&_col=url&"
                         + urllib.parse.urlencode({"_search": query}))
        assert {r["url"] for r in table} == set(urls.values()), query
        feed = parse_feed(f"{served.base}/search_feed.atom?" + urllib.parse.urlencode({"q": query}))
        assert {e.id for e in feed.entries} == set(urls.values()), query
    page = dom(f"{served.base}/articles?" + urllib.parse.urlencode({"_search": "công đoàn qzxv"}),
               profile)
    assert {row["title"] for row in result_rows(page)} == set(found)
    assert "sorted by id descending" in text(page)      # the most recently stored first


def test_search_shows_one_page_and_links_to_the_next(served, profile):
    page = dom(f"{served.base}/search?q=cong+doan", profile)
    first = [row["article"] for row in result_rows(page)]
    assert len(first) == search.PAGE_SIZE
    assert not page.cssselect("a[rel=prev]")
    [next_link] = page.cssselect("a[rel=next]")
    second_page = dom(urllib.parse.urljoin(f"{served.base}/search", next_link.get("href")), profile)
    second = [row["article"] for row in result_rows(second_page)]
    assert second and not set(first) & set(second)
    assert second_page.cssselect("a[rel=prev]")
    with sqlite3.connect(f"file:{served.db}?mode=ro", uri=True) as conn:
        everything = [str(r["article"]) for r in search.search(conn, "cong doan", limit=100_000)]
    assert first + second == everything[:2 * search.PAGE_SIZE]
    # the last page: the rest, and a next link only when it is full; past the end: empty
    last = (len(everything) - 1) // search.PAGE_SIZE + 1
    assert last > 2
    last_page = dom(f"{served.base}/search?q=cong+doan&page={last}", profile)
    rest = everything[(last - 1) * search.PAGE_SIZE:]
    assert [row["article"] for row in result_rows(last_page)] == rest
    assert bool(last_page.cssselect("a[rel=next]")) == (len(rest) == search.PAGE_SIZE)
    assert get_json(f"{served.base}/search.json?_shape=array&q=cong+doan&page=100000") == []
    assert len(get_json(f"{served.base}/search.json?_shape=array&q=cong+doan&page=x")) == \
        search.PAGE_SIZE                                        # not a number: page 1
