"""Never where it should not go: no private / loopback / link-local / off-site fetch, robots.txt
obeyed, one request at a time per host with the configured delay, files only under the data dir."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict

import pytest
from scrapy.settings import Settings

from crawler.charset import choose_encoding, looks_like_mojibake, read_html
from crawler.middlewares import TargetPolicy, literal_ip, non_public_address
from replay.encodings import to_cp1258
from replay.faults import OFFSITE_TARGET, PRIVATE_TARGETS, Faults
from replay.server import ReplayServer
from replay.web import ReplayWeb

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=2"]


class FakeSpider:
    name = "site"
    allowed_domains = ["laodongthudo.vn"]
    start_urls = ["https://laodongthudo.vn/cong-doan", "http://10.9.8.7/tin-tuc"]
    feed_urls: list = []


def policy(**settings) -> TargetPolicy:
    return TargetPolicy(FakeSpider, Settings(settings))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/admin", "http://127.8.9.1:8080/", "http://10.0.0.7/cong-doan",
    "http://172.16.0.1/", "http://172.31.255.254/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.0.0.1/", "http://127.1/",
    "http://0.0.0.0/", "http://localhost/", "http://api.localhost/", "https://[fc00::5]/",
])
def test_non_public_addresses_are_refused(url):
    why = policy().refusal(url)
    assert why and "non-public" in why, (url, why)


def test_configured_hosts_and_the_proxy_are_allowed(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:8899")
    p = policy(NEWS_ALLOWED_HOSTS=["192.168.5.5"])
    assert p.refusal("https://laodongthudo.vn/x-1.html") is None
    assert p.refusal("https://www.laodongthudo.vn/x-1.html") is None
    assert p.refusal("http://10.9.8.7/tin-tuc?page=2") is None        # a configured start URL
    assert p.refusal("http://192.168.5.5/") is None                    # NEWS_ALLOWED_HOSTS
    assert p.refusal("http://127.0.0.1:8899/") is None                 # the proxy itself
    assert "non-public" in p.refusal("http://127.0.0.1:8080/")         # not the proxy's port
    assert p.refusal("http://10.0.0.1/", proxy="http://10.0.0.1:80") is None


def test_off_site_public_and_unresolvable_names():
    p = policy()
    assert "off-site" in p.refusal("https://tinbong247news.net/x-1.html")
    assert "off-site" in p.refusal("https://8.8.8.8/")
    # a sub-domain needing DNS is not resolved here (the sites' names do not resolve offline)
    assert p.refusal("https://lamgiau.laodongthudo.vn/x-1.html") is None
    assert "scheme" in p.refusal("file:///etc/passwd")
    assert literal_ip("example.com") is None and non_public_address("example.com") is None


VIETNAMESE = ("<html><head><title>Hà Nội: Hỗ trợ công nhân</title></head><body>\n"
              "<p>Hà Nội: Hỗ trợ công nhân lao động bị ảnh hưởng, Công đoàn Thủ đô chăm lo đời "
              "sống đoàn viên. Người lao động được nhận quà Tết sum vầy.</p></body></html>")


def test_charsets_are_decided_by_what_the_text_is_not_by_what_decodes():
    utf8 = VIETNAMESE.encode("utf-8")
    # a web server's default charset over a UTF-8 page
    assert choose_encoding(utf8, "text/html; charset=iso-8859-1")[0] == "utf-8"
    # the header lies and the UTF-8 body has a few invalid bytes: windows-1252 decodes it
    # without error, and reads as mojibake; UTF-8 with the bytes replaced reads as Vietnamese
    broken = utf8.replace("Hỗ".encode(), b"H\xe1\xbb", 1).replace("vầy".encode(), b"v\xff\xfey")
    for header in ("windows-1252", "iso-8859-1", "windows-1258"):
        decoded = read_html(broken, f"text/html; charset={header}")
        assert decoded.encoding == "utf-8", header
        assert "Hà Nội" in decoded.text and "\ufffd" in decoded.text
        assert not looks_like_mojibake(decoded.text)
    # Windows-1258 served as UTF-8, with or without a meta charset
    cp1258 = to_cp1258(VIETNAMESE)
    assert choose_encoding(cp1258, "text/html; charset=utf-8")[0] == "cp1258"
    with_meta = to_cp1258(VIETNAMESE.replace("<head>", '<head><meta charset="windows-1258">'))
    assert choose_encoding(with_meta, "text/html; charset=utf-8") == ("cp1258", "meta")
    # a byte order mark wins; NUL bytes are dropped
    assert read_html(b"\xef\xbb\xbf" + utf8, "text/html; charset=windows-1252").encoding == "utf-8"
    assert "\x00" not in read_html(utf8.replace(b"<p>", b"<p>\x00\x00"), "text/html").text


def test_text_that_still_reads_as_mojibake_is_recognised():
    double = VIETNAMESE.encode("utf-8").decode("cp1252", errors="replace")
    assert looks_like_mojibake(double)
    assert looks_like_mojibake("HÃ  Ná»™i: Há»— trá»£ cÃ´ng nhÃ¢n")
    assert not looks_like_mojibake(VIETNAMESE)
    assert not looks_like_mojibake("Công đoàn \ufffd Thủ đô")   # replaced bytes: not mojibake


def crawl(server, db, *args, cwd, tool="newscrawl"):
    env = {**os.environ, **server.env()}
    cmd = ([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db)] if tool == "newscrawl"
           else [sys.executable, "-m", "scrapy", "crawl", "-s", f"NEWS_DB={db}"])
    return subprocess.run([*cmd, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_redirects_and_links_to_private_or_off_site_hosts_are_never_followed(tmp_path,
                                                                             repo_root):
    web = ReplayWeb()
    arts = [a for a in web.articles("laodongthudo") if a.published_at and not a.seed]
    rules = {arts[0].url: "redirect-offsite", arts[1].url: "redirect-private",
             arts[2].url: "redirect-loopback", "https://laodongthudo.vn/cong-doan": "links-private",
             web.listing_urls("laodongthudo")[1]: "links-private"}
    faults = Faults(rules)
    db = tmp_path / "news.db"
    with ReplayServer(faults=faults) as server:
        result = crawl(server, db, "laodongthudo", *FAST, cwd=repo_root)
        hosts = {r.host for r in server.requests}
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert hosts == {"laodongthudo.vn"}, hosts          # nothing else was ever requested
    assert {f for _, _, f in faults.fired} >= {"redirect-offsite", "redirect-private",
                                               "redirect-loopback", "links-private"}
    with sqlite3.connect(db) as conn:
        stored = {r[0] for r in conn.execute("select url from articles")}
        problems, urls = conn.execute("select problems, problem_urls from crawl_runs").fetchone()
    problems, urls = json.loads(problems), json.loads(urls)
    assert problems.get("redirect_refused") == 3
    for art in arts[:3]:
        assert art.url not in stored
        assert any(art.url in u for u in urls)
        assert art.url in result.stderr
    assert "169.254.169.254" in result.stderr and "non-public" in result.stderr
    assert len(stored) == len(web.articles("laodongthudo")) - 3
    assert not any(t in u for u in stored for t in PRIVATE_TARGETS + (OFFSITE_TARGET,))


def test_robots_txt_and_one_request_at_a_time_with_the_delay(tmp_path, repo_root):
    """DOWNLOAD_DELAY=0.2 without randomisation or AutoThrottle: per host, requests arrive at
    least ~0.1 s apart (the log has arrival times only; the download slot spaces request starts),
    robots.txt comes first, and a start page under a robots.txt-disallowed path is never fetched."""
    db = tmp_path / "news.db"
    starts = ",".join(["https://tuoitrethudo.vn/search?q=cong-doan", "https://tuoitrethudo.vn/tin-tuc",
                       "https://tuoitrethudo.vn/search-cong-doan-271999.html"])
    with ReplayServer() as server:
        result = crawl(server, db, "tuoitrethudo", "-a", f"start_urls={starts}",
                       "-s", "DOWNLOAD_DELAY=0.2", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
                       "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                       "-s", "NEWS_MAX_LISTING_PAGES=1", cwd=repo_root, tool="scrapy")
        log = server.requests
    assert result.returncode == 0, result.stderr[-3000:]
    by_host = defaultdict(list)
    for r in log:
        by_host[r.host].append(r)
    assert set(by_host) == {"tuoitrethudo.vn"}
    requests = by_host["tuoitrethudo.vn"]
    assert len(requests) >= 10
    assert requests[0].target == "/robots.txt"
    assert not [r.target for r in requests if r.target.startswith("/search")]
    # The log has arrival times: a request that opened its connection (CONNECT and TLS first)
    # arrives late by the handshake, which a loaded machine makes longer, so the gap after it
    # says nothing about the delay; every other gap is at least the delay less the transit time.
    opened, seen = set(), set()
    for i, r in enumerate(requests):
        if r.connection not in seen:
            seen.add(r.connection)
            opened.add(i)
    gaps = [b.time - a.time for i, (a, b) in enumerate(zip(requests, requests[1:]))
            if i not in opened]
    assert gaps and min(gaps) >= 0.1, sorted(gaps)[:5]
    assert "Forbidden by robots.txt" in result.stderr


def test_files_are_written_only_under_the_data_directory(tmp_path, repo_root):
    work, data = tmp_path / "work", tmp_path / "data"
    work.mkdir()
    env_home = tmp_path / "home"
    env_home.mkdir()
    with ReplayServer() as server:
        env = {**os.environ, **server.env(), "HOME": str(env_home),
               "PYTHONPATH": os.pathsep.join([str(repo_root), os.environ.get("PYTHONPATH", "")]),
               "PYTHONDONTWRITEBYTECODE": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "hanoigov", "--db",
             str(data / "news.db"), *FAST], env=env, cwd=work, capture_output=True, text=True,
            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert list(work.iterdir()) == []
    assert list(env_home.iterdir()) == []
    assert {p.name for p in data.iterdir()} <= {"news.db", "news.db-wal", "news.db-shm"}
    assert (data / "news.db").exists()


def test_a_redirect_to_the_proxy_or_past_the_limit_is_refused_under_the_first_url(monkeypatch):
    import scrapy
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import MetaRefreshGuardMiddleware, RedirectGuardMiddleware

    monkeypatch.setenv("https_proxy", "http://127.0.0.1:8899")

    class Site(scrapy.Spider):
        name = "site"
        allowed_domains = ["laodongthudo.vn"]
        start_urls = ["https://laodongthudo.vn/cong-doan"]

    crawler = get_crawler(Site, {"REDIRECT_MAX_TIMES": 20, "METAREFRESH_MAXDELAY": 100})
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    guard = RedirectGuardMiddleware.from_crawler(crawler)
    first = "https://laodongthudo.vn/bai-viet-160001.html"

    def hop(url, location, hops=0):
        request = Request(url, meta={"redirect_urls": [first] + [f"{first}?h={i}" for i in
                                                                 range(hops)]})
        return request, HtmlResponse(url, status=302, headers={"Location": location}, body=b"")

    with pytest.raises(IgnoreRequest, match="proxy's own address"):
        guard.process_response(*hop(f"{first}?h=0", "http://127.0.0.1:8899/admin", 1))
    with pytest.raises(IgnoreRequest, match="more than 20 redirects"):
        guard.process_response(*hop(f"{first}?h=20", f"{first}?h=21", 20))
    assert crawler.stats.get_value("newscrawl/problem_urls") == [
        f"redirect_refused {first}", f"redirect_chain {first}"]
    # an on-site redirect goes on
    request, response = hop(first, "/bai-viet-moi-160001.html")
    assert guard.process_response(request, response) is response

    refresh = MetaRefreshGuardMiddleware.from_crawler(crawler)
    page = HtmlResponse(first, body=b'<html><head><meta http-equiv="refresh" content="0;url='
                        b'https://tinbong247news.net/"></head><body>\x00<p>Tin</p></body></html>')
    request = Request(first)
    assert refresh.process_response(request, page) is page
    assert request.meta["dont_redirect"] is True       # Scrapy's MetaRefresh leaves it
    assert f"refresh_refused {first}" in crawler.stats.get_value("newscrawl/problem_urls")


def test_a_page_declaring_no_refresh_is_not_decoded_to_look_for_one():
    """MetaRefreshMiddleware (Scrapy's, in its place) and the guard answer a page whose first bytes
    do not spell "refresh" without decoding it (Scrapy's get_meta_refresh decoded every page);
    a refresh, on-site, in any case, or in UTF-16, is still followed as Scrapy follows it."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import MetaRefreshGuardMiddleware, MetaRefreshMiddleware

    class Counted(HtmlResponse):
        decoded = 0

        @property
        def text(self):
            Counted.decoded += 1
            return super().text

    crawler = get_crawler(settings_dict={"METAREFRESH_MAXDELAY": 100})
    crawler.spider = crawler._create_spider("site")
    crawler.stats.open_spider()
    follow = MetaRefreshMiddleware.from_crawler(crawler)
    guard = MetaRefreshGuardMiddleware.from_crawler(crawler)
    url = "https://laodongthudo.vn/bai-viet-160001.html"
    plain = Counted(url, body=("<html><head><title>Tin</title></head><body>" + "<p>Công đoàn</p>"
                               * 3000 + "<meta http-equiv=refresh content='0;url=/x'>"
                               "</body></html>").encode())   # past the first 4,096 characters
    for middleware in (guard, follow):
        assert middleware.process_response(Request(url), plain) is plain
    assert Counted.decoded == 0

    for body in ('<html><head><META HTTP-EQUIV="Refresh" CONTENT="0; url=/bai-moi-1.html">'
                 '</head><body>x</body></html>'.encode(),
                 '<html><head><meta http-equiv="refresh" content="0;url=/bai-moi-1.html">'
                 '</head></html>'.encode("utf-16")):
        page = HtmlResponse(url, body=body)
        assert guard.process_response(Request(url), page) is page     # on-site: not refused
        followed = follow.process_response(Request(url), page)
        assert isinstance(followed, Request)
        assert followed.url == "https://laodongthudo.vn/bai-moi-1.html"


def test_the_proxy_middleware_sets_what_scrapys_sets_asking_no_proxy_once_per_host(monkeypatch):
    """HttpProxyMiddleware (Scrapy's, in its place) gives each request the proxy, credentials and
    marks Scrapy's gives it, no_proxy included, but asks urllib about no_proxy once per host."""
    import urllib.request

    from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware as Scrapys
    from scrapy.http import Request

    from crawler.middlewares import HttpProxyMiddleware

    monkeypatch.setenv("https_proxy", "http://user:secret@127.0.0.1:8899")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:8898")
    monkeypatch.setenv("no_proxy", "nld.com.vn,.laodong.vn")
    asked = []
    real = urllib.request.proxy_bypass
    monkeypatch.setattr(urllib.request, "proxy_bypass", lambda host: asked.append(host) or
                        real(host))
    ours, theirs = HttpProxyMiddleware(), Scrapys()
    urls = ["https://laodongthudo.vn/a-1.html", "https://laodongthudo.vn/a-2.html",
            "http://laodongthudo.vn/robots.txt", "https://nld.com.vn/b-3.htm",
            "https://www.laodong.vn/c-4.ldo", "ftp://laodongthudo.vn/f"]
    for url in urls:
        mine, scrapys = Request(url), Request(url)
        assert ours.process_request(mine) is None and theirs.process_request(scrapys) is None
        assert mine.meta == scrapys.meta, url
        assert mine.headers == scrapys.headers, url
    assert Request(urls[0]).meta == {}
    for url in urls[:2]:
        request = Request(url)
        ours.process_request(request)
        assert request.meta["proxy"] == "http://127.0.0.1:8899"
        assert request.headers[b"Proxy-Authorization"].startswith(b"Basic ")
    bypassed = Request(urls[3])
    ours.process_request(bypassed)
    assert "proxy" not in bypassed.meta
    # ours asked once per host (Scrapy's asks for every http(s) request)
    assert sorted(asked) == ["laodongthudo.vn", "nld.com.vn", "www.laodong.vn"]


def test_links_never_fetched_are_counted_per_scheme_on_listing_pages_only():
    """IgnoredLinksMiddleware: javascript: / mailto: / ... links of a listing page, any case and
    quoting, counted per scheme; an article page's links are not looked at (not followed)."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import IGNORED_LINKS, IgnoredLinksMiddleware

    class Site:
        def parse_listing(self, response):
            pass

        def parse_article(self, response):
            pass

    crawler = get_crawler()
    crawler.stats.open_spider()
    middleware = IgnoredLinksMiddleware.from_crawler(crawler)
    body = ('<a href="JavaScript:void(0)">x</a> <a HREF = \'mailto:a@b.vn\'>m</a> '
            '<a href=javascript:go()>y</a> <a href="/tin-tuc/javascript:no">z</a> '
            '<a href="tel:0241">t</a> <a href="https://laodongthudo.vn/a-1.html">a</a>').encode()
    site = Site()
    for callback in (site.parse_listing, site.parse_article):
        request = Request("https://laodongthudo.vn/cong-doan", callback=callback)
        middleware.process_spider_input(HtmlResponse(request.url, body=body, request=request,
                                                     encoding="utf-8"))
    counts = {k[len(IGNORED_LINKS):]: v for k, v in crawler.stats.get_stats().items()
              if k.startswith(IGNORED_LINKS)}
    assert counts == {"javascript": 2, "mailto": 1, "tel": 1}


def test_the_charset_is_decided_once_for_an_article_page():
    """CharsetMiddleware re-reads a listing page whose header names the wrong charset; an article
    page is left to the page path, which decides from the bytes itself (the same decision)."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import CharsetMiddleware

    class Site:
        def parse_listing(self, response):
            pass

        def parse_article(self, response):
            pass

    middleware = CharsetMiddleware.from_crawler(get_crawler())
    body = "<html><body><p>Công đoàn cơ sở chăm lo đời sống người lao động</p></body></html>"
    site = Site()
    seen = {}
    for callback in (site.parse_listing, site.parse_article):
        request = Request("https://laodongthudo.vn/cong-doan", callback=callback)
        response = HtmlResponse(request.url, body=body.encode("utf-8"), request=request,
                                headers={"Content-Type": "text/html; charset=iso-8859-1"})
        seen[callback.__name__] = middleware.process_response(request, response).encoding
    assert seen == {"parse_listing": "utf-8", "parse_article": "cp1252"}
