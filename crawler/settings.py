"""Scrapy settings for newscrawl: the switchboard for politeness, storage and pipelines.

Every value here can be overridden per run with `scrapy crawl SITE -s NAME=VALUE` or
`newscrawl crawl -s NAME=VALUE`. The database path is `NEWS_DB`, see `configured_db()`.
"""
import os
import tomllib

from crawler import __version__

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Where articles are stored, one rule everywhere (crawl, scrapy crawl, the scheduler, serve,
# reextract): `--db PATH` / `-s NEWS_DB=PATH` first, then the NEWS_DB environment variable, then
# `db` in the [scheduler] table of ./schedule.toml, then this default.
DEFAULT_NEWS_DB = "data/news.db"
CONFIG_FILE = "schedule.toml"


def configured_db(config_file: str | os.PathLike[str] | None = None) -> str:
    """The database path when no --db / -s NEWS_DB= is given: $NEWS_DB, else the config file's
    [scheduler] db (./schedule.toml unless `config_file` is given), else DEFAULT_NEWS_DB.
    A config file that cannot be read is the scheduler's to report; here it counts as unset."""
    if os.environ.get("NEWS_DB"):
        return os.environ["NEWS_DB"]
    try:
        with open(config_file or CONFIG_FILE, "rb") as handle:
            db = tomllib.load(handle).get("scheduler", {}).get("db")
    except (OSError, tomllib.TOMLDecodeError, AttributeError):
        db = None
    return str(db) if db else DEFAULT_NEWS_DB


NEWS_DB = configured_db()

# --- Politeness on live sites -------------------------------------------------------------
USER_AGENT = (
    f"newscrawl/{__version__} (+https://github.com/newscrawl/newscrawl; "
    "archive of Vietnamese trade-union news; one request at a time)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8             # across sites
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # one request at a time per host
DOWNLOAD_DELAY = 1.0
# Scrapy's downloader, which also holds the per-host limit when DOWNLOAD_DELAY is 0 (see there).
DOWNLOADER = "crawler.downloader.PoliteDownloader"
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
# A request that fails every retry is named by the spider's errback (WARNING, its first URL, retried
# next run): Scrapy's own "Gave up retrying" line is only information.
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # a news page is ~100 KB; refuse anything over 10 MB
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024
# TLS certificates are not verified unless the user sets DOWNLOAD_VERIFY_CERTIFICATES=True
# (Scrapy's default, kept on purpose). http_proxy / https_proxy are honoured (HttpProxyMiddleware).

# --- Discovery ----------------------------------------------------------------------------
# How many listing pages to follow per start page (pagination is bounded).
NEWS_MAX_LISTING_PAGES = 10
# Incremental runs stop paginating at a page holding only stored articles; follow this many more.
NEWS_SAFETY_PAGES = 0
# Refetch (conditionally) articles published in the last N days, last fetched over H hours ago.
NEWS_REFRESH_DAYS = 3
NEWS_REFRESH_AFTER_HOURS = 20
# Backfill: follow pagination back to this date (YYYY-MM-DD), up to this many pages per listing.
NEWS_BACKFILL_SINCE = None
NEWS_BACKFILL_MAX_PAGES = 500
# Feeds and sitemaps are read every run beside the listings (crawler/discovery/channels.py):
# a sitemap index's files newest first, one after another while they list articles of the window
# not stored before the run; at most this many sitemap files and new articles from them per run.
NEWS_SITEMAP_MAX_FILES = 12
NEWS_SITEMAP_MAX_ARTICLES = 200
# At most this many feeds announced by <link rel=alternate> (start and home pages), and this many
# of the family's usual feed paths (`feed_guesses`), read per run; declared feeds always are.
NEWS_MAX_FEEDS = 4
NEWS_FEED_GUESSES = 2
# The feeds' and sitemaps' window starts this many days before the last finished run (or the
# site's newest stored article, if earlier); a backfill's starts at its date.
NEWS_CHANNEL_WINDOW_DAYS = 2
# When a start page fails: at most this many pages of the home page, the menu's sections named
# like the lost one, and their pagination, per run (a backfill: NEWS_BACKFILL_MAX_PAGES).
NEWS_FALLBACK_MAX_PAGES = 10

# --- Several machines (crawler/cluster/, README "Several machines") -------------------------
# Set on a Scrapyd node's job by the dispatcher (`newscrawl cluster crawl`, the scheduler's
# [cluster] table): the Redis channel to the one writer, the job's id (its snapshot), the node's
# name in crawl_runs. Unset (the default): the crawl writes NEWS_DB itself.
NEWS_CLUSTER_REDIS = None
NEWS_CLUSTER_JOB = None
NEWS_CLUSTER_NODE = None

# --- Pipelines: store (the page path, crawler/page.py, validated and normalised the article) --
ITEM_PIPELINES = {
    "crawler.pipelines.StoreArticlePipeline": 800,
}
# Articles are stored a batch per transaction: this many, or what came in this many seconds
# (crawler/pipelines.py). A killed process loses the batch not yet written (fetched again by the
# next run), never part of one. NEWS_STORE_BATCH_ITEMS=1: one transaction per article.
NEWS_STORE_BATCH_ITEMS = 50
NEWS_STORE_BATCH_SECONDS = 1.0
EXTENSIONS = {
    "crawler.runs.CrawlRunRecorder": 500,
}
# Scrapy's own extensions (its EXTENSIONS_BASE) but two that are off here
# (REMOTE_CONTROL_ENABLED, TELNETCONSOLE_ENABLED below): Scrapy imports every listed one, even one
# set to None in EXTENSIONS, and the remote control's module imports aiohttp (~0.15 s CPU of
# every crawl process's start). tests/test_pipelines.py checks this list against Scrapy's.
# (Written out: importing Scrapy's defaults here would import Scrapy in every command.)
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.memdebug.MemoryDebugger": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.logstats.LogStats": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
_NOT_LOADED_EXTENSIONS = ("scrapy.extensions.remote_control.RemoteControl",
                         "scrapy.extensions.telnet.TelnetConsole")
# Scrapy's per-response byte and status counters (downloader/*, in the stats dump of `-v`):
# nothing of ours reads them (crawl_runs and the progress read CoreStats' and ours).
DOWNLOADER_STATS = False
# Scrapy's stats collector without its per-access deprecation wrapper (crawler/stats.py).
STATS_CLASS = "crawler.stats.StatsCollector"
# Scrapy's "Crawled (200)" / "Scraped from" DEBUG lines are not even made below LOG_LEVEL.
LOG_FORMATTER = "crawler.logformatter.QuietLogFormatter"

# --- When a site misbehaves (crawler/middlewares.py, crawler/robotstxt.py, crawler/health.py) -
DOWNLOADER_MIDDLEWARES = {
    # before robots.txt (100) and the download: no private / loopback / link-local / off-site host
    "crawler.middlewares.SafeTargetMiddleware": 40,
    # Scrapy's offsite filter drops at DEBUG without a word to the errback: every drop named
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.NamedOffsiteMiddleware": 50,
    # Scrapy's robots.txt middleware lets requests that wait for robots.txt through unchecked
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robotstxt.RobotsTxtMiddleware": 100,
    # sees 3xx before Scrapy's RedirectMiddleware (600): no off-site, private or looping redirect
    "crawler.middlewares.RedirectGuardMiddleware": 650,
    # after decompression (590), before Scrapy's meta refresh (580): no off-site or private
    # refresh followed (the page is read as it is)
    "crawler.middlewares.MetaRefreshGuardMiddleware": 585,
    # Scrapy's meta refresh (580), without decoding a page that declares none; after the charset
    # (580: listed first, it sees responses after the CharsetMiddleware, as Scrapy's did)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 580,
    # after decompression (590): the charset decided by what the text is (crawler/charset.py)
    "crawler.middlewares.CharsetMiddleware": 580,
    # Scrapy's proxy middleware (750), asking no_proxy once per host, not per request
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
    "crawler.middlewares.HttpProxyMiddleware": 750,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.RetryFailedMiddleware": 950,   # the next run fetches what failed
    "crawler.middlewares.IgnoredLinksMiddleware": 955,  # javascript:/data:/file: links counted
    "crawler.health.HealthSpiderMiddleware": 960,       # listing links and field coverage
}
# Hosts that may be fetched although private / off-site (sources and the proxy always may).
NEWS_ALLOWED_HOSTS: list[str] = []
# Request again what the previous run of a site failed on (first 50 problem URLs).
NEWS_RETRY_FAILED = True
# "layout changed?" when title / body / date are missing on more than this share of at least
# NEWS_LAYOUT_MIN_ARTICLES article pages of a run, or the listings yield no article link.
NEWS_LAYOUT_MISSING_THRESHOLD = 0.5
NEWS_LAYOUT_MIN_ARTICLES = 5
# "listings incomplete?" when the listing pages missed this share (or more) of the articles of
# the run's window that the feeds and sitemaps named and that were not stored before.
NEWS_LISTINGS_MISSED_THRESHOLD = 0.2
# "stale?" when a site that had new articles has had none for this many days (0: off).
NEWS_STALE_DAYS = 7
# Progress on stderr (crawler/progress.py; `--quiet`: none): on a terminal a live table, else one
# line per site every this many seconds (cron, systemd, the scheduler's log).
NEWS_PROGRESS_INTERVAL = 60
# Scrapy's remote-control extension writes job files under ~/.local/state: files are written only
# under the data directory (NEWS_DB), and nothing outside may drive a crawl.
REMOTE_CONTROL_ENABLED = False
# Scrapy reads the source of each callback (inspect + ast) to warn about a generator that returns
# a value: a development lint costing ~0.3 s CPU per crawl process; our callbacks return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for the output of every response (default 100:
# ~70,000 tasks for 700 responses, a tenth of the crawl's CPU in the profile); our pipeline stores
# synchronously, so more than a few gain nothing.
CONCURRENT_ITEMS = 4

LOG_LEVEL = os.environ.get("NEWSCRAWL_LOG_LEVEL", "INFO")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
