"""Tests for crawler/pipelines.py and crawler/runs.py against a real SQLite file in tmp_path.

The store pipeline is built from a Scrapy test crawler and fed Article items directly (what an
article is, NFC and validation, is the page path's: tests/test_page.py): stored articles are
counted as new then unchanged, articles without a date are stored and counted, problem URLs are
capped, and the run recorder turns the stats into a crawl_runs row. Also checks that the
`crawl` command rejects an unknown site with exit status 2 and a list of the known ones.
"""
import logging
import sqlite3
import warnings

import pytest
from click.testing import CliRunner
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.pipelines import ItemPipelineManager
from scrapy.spiders import Spider
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.pipelines import StoreArticlePipeline
from crawler.problems import record_problem
from crawler.runs import CrawlRunRecorder, DatabaseUnavailable
from crawler.store import NewsDB

PIPELINES = {"crawler.pipelines.StoreArticlePipeline": 800}


class LaodongSpider(Spider):
    name = "laodongthudo"


@pytest.fixture
def crawler(tmp_path):
    c = get_crawler(LaodongSpider, settings_dict={
        "NEWS_DB": str(tmp_path / "news.db"), "ITEM_PIPELINES": PIPELINES,
    })
    c.spider = LaodongSpider.from_crawler(c)
    c.stats.open_spider()
    return c


def article(**kw):
    base = dict(url="https://laodongthudo.vn/a-1.html", site="laodongthudo", article_id="1",
                title="Công đoàn", body="Nội dung bài viết.",
                published_at="2021-01-26T11:00:00+07:00",
                fetched_at="2024-05-01T09:00:00+07:00", html=b"<html>x</html>")
    base.update(kw)
    return Article(**base)


def test_problem_urls_capped_at_50(crawler):
    for i in range(60):
        record_problem(crawler.stats, "db_error", f"https://laodongthudo.vn/{i}.html")
    assert crawler.stats.get_value("newscrawl/problem/db_error") == 60
    assert len(crawler.stats.get_value("newscrawl/problem_urls")) == 50


def test_missing_date_is_kept_and_counted(crawler, caplog):
    pipe = StoreArticlePipeline.from_crawler(crawler)
    with caplog.at_level(logging.WARNING):
        item = pipe.process_item(article(published_at=None))
        pipe.close_spider()                 # the batch is written
    assert item.published_at is None
    assert crawler.stats.get_value("newscrawl/articles_without_date") == 1
    assert crawler.stats.get_value("newscrawl/articles_new") == 1
    assert "no publication date on https://laodongthudo.vn/a-1.html" in caplog.text


def test_store_counts_new_then_unchanged_then_updated(crawler, tmp_path):
    pipe = StoreArticlePipeline.from_crawler(crawler)
    pipe.open_spider()
    pipe.process_item(article())
    pipe.process_item(article(fetched_at="2024-05-02T09:00:00+07:00"))
    pipe.process_item(article(body="Đã sửa."))
    pipe.close_spider()
    stats = crawler.stats
    assert stats.get_value("newscrawl/articles_new") == 1
    assert stats.get_value("newscrawl/articles_unchanged") == 1
    assert stats.get_value("newscrawl/articles_updated") == 1
    with NewsDB(tmp_path / "news.db") as db:
        assert db.db["articles"].count == 1
        assert db.raw_html("https://laodongthudo.vn/a-1.html") == b"<html>x</html>"


def meeting() -> Article:
    """A stored article whose URL another page will declare as its canonical."""
    return article(url="https://laodongthudo.vn/cong-doan.html", article_id=None,
                   title="Công đoàn quận tổ chức hội nghị",
                   body="Hội nghị tổng kết công tác công đoàn năm với nhiều nội dung mới.")


def test_an_article_whose_canonical_holds_another_is_stored_where_it_was_fetched(crawler,
                                                                                tmp_path):
    pipe = StoreArticlePipeline.from_crawler(crawler)
    pipe.open_spider()
    stored = meeting()
    pipe.process_item(stored)
    other = article(url=stored.url, article_id=None, title="Giải chạy vì sức khỏe người lao động",
                    body="Hàng nghìn vận động viên tham gia giải chạy tại công viên sáng nay.",
                    fetched_url="https://laodongthudo.vn/giai-chay.html")
    pipe.process_item(other)
    without = article(url=stored.url, article_id=None, title="Một bài khác hẳn",
                      body="Một nội dung khác hẳn, không giống bài nào đã lưu trước đây cả.")
    pipe.process_item(without)          # fetched at the stored address itself: kept aside
    pipe.close_spider()
    with NewsDB(tmp_path / "news.db") as db:
        rows = {r["url"]: r["title"] for r in db.db["articles"].rows}
    assert rows == {stored.url: stored.title, other.fetched_url: other.title}
    stats = crawler.stats
    assert stats.get_value("newscrawl/articles_new") == 2
    assert stats.get_value("newscrawl/problem/bad_canonical") == 1
    assert stats.get_value("newscrawl/problem/suspicious_replacement") == 1


def test_articles_are_written_a_batch_per_transaction(crawler, tmp_path):
    """NEWS_STORE_BATCH_ITEMS articles are committed together; fewer wait (a killed process
    loses them whole, never part of one: nothing of them is in the file); the rest are written
    when the spider closes."""
    pipe = StoreArticlePipeline.from_crawler(crawler)
    pipe.batch_items, pipe.batch_seconds = 3, 3600.0     # -s NEWS_STORE_BATCH_ITEMS=3 ...
    pipe.open_spider()
    urls = [f"https://laodongthudo.vn/a-{i}.html" for i in range(1, 6)]

    def stored():
        with NewsDB(tmp_path / "news.db") as db:     # another connection: committed rows only
            return (sorted(r["url"] for r in db.db["articles"].rows),
                    sorted(r["url"] for r in db.db["raw_pages"].rows))

    for i, url in enumerate(urls[:2], 1):
        pipe.process_item(article(url=url, article_id=str(i), body=f"Bài số {i}."))
    assert stored() == ([], [])
    assert crawler.stats.get_value("newscrawl/articles_new") is None
    pipe.process_item(article(url=urls[2], article_id="3", body="Bài số 3."))
    assert stored() == (sorted(urls[:3]), sorted(urls[:3]))
    assert crawler.stats.get_value("newscrawl/articles_new") == 3
    for i, url in enumerate(urls[3:], 4):
        pipe.process_item(article(url=url, article_id=str(i), body=f"Bài số {i}."))
    assert stored()[0] == sorted(urls[:3])
    pipe.close_spider()
    assert stored() == (sorted(urls), sorted(urls))
    assert crawler.stats.get_value("newscrawl/articles_new") == 5


def test_a_batch_is_written_once_its_oldest_article_waited_long_enough(crawler, tmp_path):
    """A slow crawl does not hold articles for long: the pipeline's timer (a LoopingCall every
    NEWS_STORE_BATCH_SECONDS while the reactor runs) writes a batch whose first article waited
    that long, however few it holds."""
    pipe = StoreArticlePipeline.from_crawler(crawler)
    pipe.open_spider()
    pipe.batch_items, pipe.batch_seconds = 50, 60.0
    pipe.process_item(article())
    pipe._flush_if_due()                    # not due yet: nothing written
    assert crawler.stats.get_value("newscrawl/articles_new") is None
    pipe.oldest -= 61                       # a minute later
    pipe._flush_if_due()
    assert crawler.stats.get_value("newscrawl/articles_new") == 1
    with NewsDB(tmp_path / "news.db") as db:
        assert db.db["articles"].count == 1
    pipe.close_spider()


@pytest.mark.parametrize("error", [sqlite3.IntegrityError("CHECK constraint failed (test)"),
                                   ValueError("a bug met by this article (test)")])
def test_a_failing_article_in_a_batch_undoes_only_itself(crawler, tmp_path, monkeypatch, error):
    """A constraint error (or a bug) on one article (its savepoint rolled back) costs that
    article only: the others of its batch are stored, whole, and it is counted failed."""
    pipe = StoreArticlePipeline.from_crawler(crawler)
    pipe.open_spider()
    db = pipe.db
    real = db._put_signature

    def put_signature(article_id, sig, *keys):
        real(article_id, sig, *keys)     # the row and its signature are written, then it fails
        if db.db.execute("SELECT url FROM articles WHERE id = ?",
                         [article_id]).fetchone()[0].endswith("a-2.html"):
            raise error

    monkeypatch.setattr(db, "_put_signature", put_signature)
    for i in (1, 2, 3):
        pipe.process_item(article(url=f"https://laodongthudo.vn/a-{i}.html", article_id=str(i),
                                  body=" ".join(f"chữ{i}x{j}" for j in range(40))))
    pipe.close_spider()
    assert crawler.stats.get_value("newscrawl/articles_new") == 2
    assert crawler.stats.get_value("newscrawl/articles_failed") == 1
    with NewsDB(tmp_path / "news.db") as check:
        assert sorted(r["url"] for r in check.db["articles"].rows) == [
            "https://laodongthudo.vn/a-1.html", "https://laodongthudo.vn/a-3.html"]
        assert check.db["minhashes"].count == 2 and check.db["raw_pages"].count == 2


def test_storing_under_the_fetched_address_that_fails_costs_that_article_only(crawler,
                                                                               tmp_path,
                                                                               monkeypatch):
    pipe = StoreArticlePipeline.from_crawler(crawler)
    pipe.open_spider()
    stored = meeting()
    pipe.process_item(stored)
    pipe.close_spider()
    pipe.open_spider()
    real = pipe.db.store_article

    def store_article(item, *args, **kwargs):
        if item.url.endswith("giai-chay.html"):
            raise sqlite3.IntegrityError("CHECK constraint failed (test)")
        return real(item, *args, **kwargs)

    monkeypatch.setattr(pipe.db, "store_article", store_article)
    pipe.batch_items, pipe.batch_seconds = 10, 3600.0      # both articles in one batch
    pipe.process_item(article(url=stored.url, article_id=None,
                              title="Giải chạy vì sức khỏe người lao động",
                              body="Hàng nghìn vận động viên tham gia giải chạy sáng nay.",
                              fetched_url="https://laodongthudo.vn/giai-chay.html"))
    pipe.process_item(article(url="https://laodongthudo.vn/a-9.html", article_id="9",
                              title="Bài khác", body="Một bài khác của cùng đợt ghi."))
    pipe.close_spider()
    with NewsDB(tmp_path / "news.db") as db:
        assert sorted(r["url"] for r in db.db["articles"].rows) == [
            "https://laodongthudo.vn/a-9.html", stored.url]
    assert crawler.stats.get_value("newscrawl/articles_failed") == 1
    assert crawler.stats.get_value("newscrawl/articles_new") == 2


def test_an_unopenable_database_stops_the_crawl_before_it_starts(tmp_path, caplog):
    """The extension that records the run opens the database when the crawler is built, before
    the engine exists: a database it cannot use ends the crawl there (in a real crawl, with a
    non-zero exit and no request: tests/test_concurrency.py)."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be")
    c = get_crawler(LaodongSpider, settings_dict={"NEWS_DB": str(blocker / "news.db")})
    with caplog.at_level(logging.ERROR), pytest.raises(DatabaseUnavailable) as stopped:
        CrawlRunRecorder.from_crawler(c)
    assert str(blocker) in str(stopped.value) and "is a file, not a folder" in str(stopped.value)
    assert "Nothing was fetched" in caplog.text and str(blocker) in caplog.text


def test_pipelines_load_without_deprecation_warnings(crawler):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScrapyDeprecationWarning)
        manager = ItemPipelineManager.from_crawler(crawler)
    names = [type(m).__name__ for m in manager.middlewares]
    assert names == ["StoreArticlePipeline"]


def test_extensions_are_scrapys_but_the_two_that_are_off():
    """crawler/settings.py writes out Scrapy's EXTENSIONS_BASE without the remote control and
    telnet console (off, and not to be imported): a Scrapy upgrade that changes the list shows
    here."""
    from scrapy.settings import default_settings

    from crawler import settings
    assert settings.EXTENSIONS_BASE == {
        name: order for name, order in default_settings.EXTENSIONS_BASE.items()
        if name not in settings._NOT_LOADED_EXTENSIONS}
    assert settings.REMOTE_CONTROL_ENABLED is False and settings.TELNETCONSOLE_ENABLED is False


def test_every_setting_is_one_scrapy_knows_or_ours():
    """A misspelt setting is silently ignored (LOGFORMATTER for LOG_FORMATTER kept Scrapy's
    per-page log records): every upper-case name of crawler/settings.py is a Scrapy setting, a
    NEWS_* one, or one of its module constants."""
    from scrapy.settings import default_settings

    from crawler import settings
    names = {n for n in vars(settings) if n.isupper() and not n.startswith("_")}
    unknown = {n for n in names if not hasattr(default_settings, n) and not n.startswith("NEWS_")}
    # module constants; REQUEST_FINGERPRINTER_IMPLEMENTATION: read by Scrapy before 2.19 only
    assert unknown <= {"DEFAULT_NEWS_DB", "CONFIG_FILE", "REQUEST_FINGERPRINTER_IMPLEMENTATION"}


def test_scrapys_per_page_log_records_are_not_made_below_the_log_level():
    """The crawl's log formatter is crawler.logformatter's: no "Crawled (200)" / "Scraped from"
    record at LOG_LEVEL WARNING (what `newscrawl crawl` runs at), Scrapy's own at DEBUG."""
    import scrapy
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.logformatter import QuietLogFormatter
    from crawler.sites import project_settings

    class Site(scrapy.Spider):
        name = "site"

    request = Request("https://laodongthudo.vn/a-1.html")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    for level, quiet in (("WARNING", True), ("DEBUG", False)):
        crawler = get_crawler(Site, {"LOG_FORMATTER": project_settings()["LOG_FORMATTER"],
                                     "LOG_LEVEL": level})
        assert isinstance(crawler.logformatter, QuietLogFormatter)
        spider = crawler._create_spider()
        made = (crawler.logformatter.crawled(request, response, spider),
                crawler.logformatter.scraped({"title": "x"}, response, spider))
        assert made == (None, None) if quiet else all(made)


def test_the_crawl_stats_count_as_scrapys():
    """STATS_CLASS is crawler.stats' collector: Scrapy's MemoryStatsCollector, same values."""
    import scrapy
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.sites import project_settings
    from crawler.stats import StatsCollector

    crawler = get_crawler(scrapy.Spider, {"STATS_CLASS": project_settings()["STATS_CLASS"]})
    assert type(crawler.stats) is StatsCollector
    ours, scrapys = crawler.stats, MemoryStatsCollector(crawler)
    for stats in (ours, scrapys):
        stats.open_spider()
        stats.inc_value("newscrawl/layer/title/meta")
        stats.inc_value("newscrawl/layer/title/meta", 2)
        stats.max_value("depth", 3)
        stats.max_value("depth", 1)
        stats.min_value("first", 5)
        stats.set_value("newscrawl/run_id", 7)
    assert ours.get_stats() == scrapys.get_stats() == {
        "newscrawl/layer/title/meta": 3, "depth": 3, "first": 5, "newscrawl/run_id": 7}
    assert ours.get_value("missing", 0) == 0


def test_run_recorder_writes_crawl_runs_row(crawler, tmp_path):
    rec = CrawlRunRecorder.from_crawler(crawler)
    run_id = crawler.stats.get_value("newscrawl/run_id")
    stats = crawler.stats
    stats.set_value("response_received_count", 12)
    stats.set_value("newscrawl/articles_new", 4)
    stats.set_value("newscrawl/articles_unchanged", 2)
    stats.set_value("newscrawl/articles_failed", 1)
    stats.set_value("newscrawl/problem/no_body", 1)
    stats.set_value("newscrawl/problem_urls", ["no_body https://x/1"])
    stats.set_value("newscrawl/errors", 1)
    rec.spider_closed(crawler.spider, "finished")
    with NewsDB(tmp_path / "news.db") as db:
        [row] = db.runs([run_id])
    assert row["spider"] == "laodongthudo"
    assert row["status"] == "finished" and row["finish_reason"] == "finished"
    assert (row["pages_fetched"], row["articles_new"], row["articles_unchanged"],
            row["articles_failed"], row["errors"]) == (12, 4, 2, 1, 1)
    assert row["problems"] == {"no_body": 1}
    assert row["problem_urls"] == ["no_body https://x/1"]

    rec2 = CrawlRunRecorder.from_crawler(crawler)
    rec2.spider_closed(crawler.spider, "shutdown")
    with NewsDB(tmp_path / "news.db") as db:
        [row2] = db.runs([rec2.run_id])
    assert row2["status"] == "interrupted"


def test_crawl_unknown_site_exits_2(monkeypatch, tmp_path):
    from crawler.cli import main

    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    result = CliRunner().invoke(main, ["crawl", "nosuchsite", "--db", str(tmp_path / "n.db")])
    assert result.exit_code == 2
    assert "unknown site: nosuchsite" in result.output
    assert "Known sites:" in result.output
    assert not (tmp_path / "n.db").exists()  # nothing touched before the check
