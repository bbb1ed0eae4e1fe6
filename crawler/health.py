"""Site health: did the run find articles, did the fields come out, does a site need a look?

* ``HealthSpiderMiddleware`` (spider middleware, enabled in crawler/settings.py) counts, per run,
  the listing pages read and the article links the spider found on them (by its
  ``listing_links`` or in the page's main content), every article link met by any layer (the
  spider's ``discovered``: listings, feeds, home page, sitemaps), and for every article page
  which of title / body / date / author came out. It reads what the spider's callbacks found
  (``response.meta``), never the page again. Stats keys ``newscrawl/health/...``.
* ``assess_run`` (called by ``crawler.runs.CrawlRunRecorder`` when a run closes) turns them into
  the ``crawl_runs`` columns ``articles_found``, ``coverage_title`` / ``_body`` / ``_date`` /
  ``_author`` (share of this run's new articles with that field; NULL with no new article) and
  ``flag``, set when the site needs a look:

  - ``layout changed?`` the listing pages yielded no article link (the selector is named), or
    title / body / date were missing on more than ``NEWS_LAYOUT_MISSING_THRESHOLD`` (0.5) of at
    least ``NEWS_LAYOUT_MIN_ARTICLES`` (5) article pages (the site rule's selectors are named);
  - ``unreachable?`` no listing page could be fetched at all;
  - ``listings incomplete?`` the listing pages missed ``NEWS_LISTINGS_MISSED_THRESHOLD`` (0.2) or
    more of the articles of the run's window that the feeds and sitemaps named and that were not
    stored before (crawler/discovery/reconciliation.py; also ``crawl_runs.channel_articles`` and
    ``listings_missed``). Not raised when a start page could not be read at all (4xx/5xx, no
    answer, not HTML): its articles were never on a listing page read, and the failed start page
    is flagged as ``rules drifted?``;
  - ``rules drifted?`` a site rule matched nothing on most pages, or a start page moved (301/308)
    or is gone (404/410);
  - ``stale?`` the site has had new articles before, this run found none, and the newest was first
    seen more than ``NEWS_STALE_DAYS`` (7; 0 turns it off) days ago.

  A flag is logged at ERROR level ("[site] LAYOUT CHANGED? ..."), stored in ``crawl_runs.flag`` and
  makes ``newscrawl crawl`` exit with status 3.
* ``site_health``: a view with one row per site: its last run's numbers, coverage and flag, the
  articles stored and when the newest was first seen.
* ``check_sites``: ``newscrawl check``, a live smoke test: one listing page and one article page per
  site, and which fields came out.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from scrapy.http import TextResponse

logger = logging.getLogger(__name__)

H = "newscrawl/health/"
FIELDS = ("title", "body", "date", "author")
FLAG_FIELDS = ("title", "body", "date")       # author is often absent by design: never flagged


def _callback_name(response: Any) -> str:
    request = getattr(response, "request", None)
    callback = getattr(request, "callback", None)
    return getattr(callback, "__name__", "") or ""


def fields_present(found: Any) -> dict[str, bool]:
    """Which of title / body / date / author an extraction (Extracted or Article) holds."""
    from crawler.extraction import MIN_ARTICLE_CHARS
    return {
        "title": bool((getattr(found, "title", None) or "").strip()),
        "body": len((getattr(found, "body", None) or "").strip()) >= MIN_ARTICLE_CHARS,
        "date": bool(getattr(found, "published_at", None)),
        "author": bool((getattr(found, "author", None) or "").strip()),
    }


class HealthSpiderMiddleware:
    """Spider middleware: per-run counts of listing links and article fields (see module doc)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.listing_links: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "HealthSpiderMiddleware":
        return cls(crawler)

    def _observe(self, response: Any, outputs: list) -> None:
        """Called after a callback's output went through: count what it found."""
        try:
            kind = _callback_name(response)
            # errback output (a 5xx after retries, ...) comes through here too: not a page read
            if not isinstance(response, TextResponse) or response.status != 200:
                return
            spider = self.crawler.spider
            if kind == "parse_listing":
                links = response.meta.get("newscrawl_links")   # what the spider read on it
                if links is None:
                    return                  # not read as a listing (not HTML, backfill done)
                self.stats.inc_value(H + "listing_pages")
                if not links:
                    self.stats.inc_value(H + "listing_pages_empty")
                self.listing_links |= set(links)
                self.stats.set_value(H + "listing_links", len(self.listing_links))
            elif kind == "parse_article":
                self._observe_article(spider, response, outputs)
            # every article link met this run, by any layer: listings, feeds, home page, sitemaps
            found = len(getattr(spider, "discovered", None) or ())
            self.stats.set_value(H + "articles_found", found)
        except Exception as exc:  # health counting must never break a crawl
            logger.debug("health: could not observe %s: %r", getattr(response, "url", "?"), exc)

    def _observe_article(self, spider: Any, response: Any, outputs: list) -> None:
        from crawler.items import Article
        content_type = response.headers.get("Content-Type", b"text/html").decode("latin-1").lower()
        if "html" not in content_type:
            return                  # not a page (counted as not_html by the spider)
        articles = [o for o in outputs if isinstance(o, Article)]
        if articles:
            present = fields_present(articles[0])
        else:                       # no article came out: which field failed?
            found = response.meta.get("newscrawl_found") or spider.read_page(
                response.body, response.url).found
            present = fields_present(found)
        self.stats.inc_value(H + "article_pages")
        for name, ok in present.items():
            if not ok:
                self.stats.inc_value(H + f"missing/{name}")

    def process_spider_output(self, response: Any, result: Any, spider: Any = None):
        outputs = []
        for item in result:
            outputs.append(item)
            yield item
        self._observe(response, outputs)

    async def process_spider_output_async(self, response: Any, result: Any, spider: Any = None):
        outputs = []
        async for item in result:
            outputs.append(item)
            yield item
        self._observe(response, outputs)


# --- the decision at the end of a run ------------------------------------------------------

def _selectors(spider: Any, name: str) -> str:
    rules = getattr(spider, "rules", None)
    if name == "listing":
        return f"listing_links {list(getattr(spider, 'listing_links', ()) or ())}"
    if rules is None:
        return "the generic extraction (trafilatura)"
    selectors = list(getattr(rules, name, ()) or ())
    return f"rules.{name} {selectors}" + (" (and the page's date meta)" if name == "date" else "")


def coverage(db: Any, site: str, since: str | None) -> tuple[int, dict[str, float | None]]:
    """(new articles, {field: share with it}) for the articles of `site` first seen at or after
    `since` (this run's start)."""
    counts = db.new_article_fields(site, since)
    n = counts["articles"]
    return n, {name: (round(counts[name] / n, 4) if n else None) for name in FIELDS}


def assess_run(db: Any, spider: Any, stats: dict, settings: Any, run_id: int | None,
               reason: str = "finished") -> dict[str, Any]:
    """The health columns of this run's crawl_runs row; logs a loud line for each flag."""
    def count(key: str) -> int:
        return int(stats.get(H + key) or 0)

    site = spider.name
    started = db.run_started_at(run_id) if run_id is not None else None
    new, shares = coverage(db, site, started)
    drift = rule_drift(stats)
    fields: dict[str, Any] = {"articles_found": count("articles_found"),
                              **{f"coverage_{k}": v for k, v in shares.items()}, "flag": None,
                              "rules_drift": json.dumps(drift, ensure_ascii=False) if drift else None}
    if reason != "finished":
        return fields           # an interrupted or failed run says nothing about the site

    flags: list[str] = []
    listing_pages = count("listing_pages")
    if listing_pages and not count("listing_links"):
        flags.append(f"layout changed? {_selectors(spider, 'listing')} found no article link on "
                     f"{listing_pages} listing page(s)")
    threshold = settings.getfloat("NEWS_LAYOUT_MISSING_THRESHOLD")
    pages = count("article_pages")
    if pages >= settings.getint("NEWS_LAYOUT_MIN_ARTICLES"):
        for name in FLAG_FIELDS:
            missing = count(f"missing/{name}")
            if missing / pages > threshold:
                flags.append(f"layout changed? {name} missing on {missing} of {pages} article "
                             f"pages: {_selectors(spider, name)}")
    discovered = sum(int(v or 0) for k, v in stats.items()
                     if k.startswith("newscrawl/discovery/") and not k.endswith("/start_failed"))
    if (getattr(spider, "start_urls", None) and not listing_pages and not discovered
            and int(stats.get("newscrawl/problem/download_failed") or 0)):
        flags.append("unreachable? no listing page could be fetched "
                     f"(first: {spider.start_urls[0]}); see crawl_runs.problem_urls")
    stale_days = settings.getfloat("NEWS_STALE_DAYS")
    if stale_days > 0 and not new:
        last_new = db.newest_first_seen(site)
        if last_new and db.runs_with_new_articles(site):
            try:
                age = datetime.fromisoformat(started or "") - datetime.fromisoformat(last_new)
            except ValueError:
                age = timedelta(0)
            if age > timedelta(days=stale_days):
                flags.append(f"stale? no new article for {age.days} days (newest first seen "
                             f"{last_new[:10]}, threshold NEWS_STALE_DAYS={stale_days:g}); check "
                             f"that {', '.join(spider.start_urls[:2])} still list new articles")
    flags += drift_flags(drift, settings)
    for move in stats.get("newscrawl/moved_start_pages") or []:
        flags.append(f"rules drifted? start page moved: {move}; update the spider's start_urls")
    gone = stats.get("newscrawl/gone_start_pages") or []
    if gone and not any("start pages failed" in flag for flag in flags):
        answered = drift.get("start_urls", {}).get("answered_by") or {}
        found = layer_counts({k: n for k, n in answered.items()
                              if k not in ("listing-rule", "listing-content")})
        flags.append(f"rules drifted? start page gone: {'; '.join(gone[:3])}"
                     + (f"; articles came from {found}" if found else "")
                     + "; update the spider's start_urls")
    named = int(stats.get("newscrawl/channels/named") or 0)
    missed = int(stats.get("newscrawl/channels/not_on_listings") or 0)
    if "newscrawl/channels/named" in stats:
        fields.update(channel_articles=named, listings_missed=missed)
    incomplete = listings_incomplete(named, missed, settings)
    if incomplete and not stats.get("newscrawl/start_pages_unreachable"):
        flags.append(incomplete)        # (a start page that failed is flagged as drift instead)
    if int(stats.get("newscrawl/robots_unreachable") or 0):
        # nothing on the site was fetched (crawler/middlewares.py): no other flag means anything
        flags = ["robots.txt unreachable? it timed out or answered 5xx, so nothing on the site "
                 "was fetched this run (RFC 9309); the next run tries again; see "
                 "crawl_runs.problem_urls"]
    if flags:
        fields["flag"] = "; ".join(flags)
        for flag in flags:
            word = flag.split("?", 1)[0].upper()
            spider.logger.error("[%s] %s? %s (run %s)", site, word, flag.split("?", 1)[1].strip(),
                                run_id)
    return fields


def listings_incomplete(named: int, missed: int, settings: Any, stored: bool = True) -> str | None:
    """The "listings incomplete?" flag: of `named` articles of the run's window that the feeds and
    sitemaps named (not stored before), `missed` were on no listing page; raised when that share
    reaches NEWS_LISTINGS_MISSED_THRESHOLD (crawler/discovery/reconciliation.py)."""
    if not named or missed / named < settings.getfloat("NEWS_LISTINGS_MISSED_THRESHOLD"):
        return None
    return (f"listings incomplete? {missed} of {named} articles in the feed/sitemap were not on "
            f"the listing pages{' (they were stored all the same)' if stored else ''}; check the "
            "spider's start_urls and pagination")


# --- rules that drifted: a fallback answered where the site's rule found nothing --------------

# Where each layer's answer came from, in words for a flag (crawler/extraction.py, discovery).
LAYER_WORDS = {
    "rule": "the site rule",
    "family-marker": "the header's date / byline markers (class names such as format_date)",
    "meta": "the page's meta tags", "jsonld": "JSON-LD", "h1": "the <h1>",
    "title-tag": "the <title>", "lead-block": "the visible lead block",
    "header-stamp": "the header stamp", "time-element": "a <time> element",
    "trafilatura": "trafilatura", "bold-line": "the right-aligned bold line",
    "first-paragraph": "the first paragraph", "listing-rule": "the listing rule",
    "listing-content": "the listing's main content", "feed": "the feeds",
    "sitemap": "the sitemaps", "home": "the home page", "section": "the menu's sections",
    "rel-next": "rel=next links", "next-word": "a \"next\" link",
    "url-shape": "the link to the next page number",
    "page-number": "the link numbered page+1",
}


def layer_counts(answered: dict[str, int]) -> str:
    """The layers that answered, most answers first: "the feeds (3), the sitemaps (1)"."""
    return ", ".join(f"{LAYER_WORDS.get(layer, layer)} ({n})"
                     for layer, n in sorted(answered.items(), key=lambda kv: -kv[1]))


# A rule's field name -> the article field its layers are counted under.
RULE_FIELD = {"date": "published_at"}
# Rules whose drift is flagged whenever they miss; the others (author, tags, section) only when a
# fallback found what they missed, since many articles have no byline or tags by design.
ALWAYS_FLAGGED = ("title", "sapo", "body", "date", "listing_links")
# The order flags are listed in: how a page is found, then its fields by importance.
RULE_ORDER = ("start_urls", "listing_links", "pagination_links", "title", "body", "date", "sapo",
              "author", "tags", "section")
R = "newscrawl/rules/"


def rule_drift(stats: dict) -> dict[str, dict]:
    """Every rule that matched nothing on some page of this run, and who answered instead:
    {rule: {"pages": n, "missed": m, "answered_by": {layer: count}}} (the crawl_runs record).

    Read from the counters the page path and discovery keep (``newscrawl/rules/<rule>/pages`` and
    ``/missed``, ``newscrawl/layer/<field>/<layer>``, ``newscrawl/discovery/<layer>``)."""
    drift: dict[str, dict] = {}
    for key, value in stats.items():
        if not (key.startswith(R) and key.endswith("/missed")) or not value:
            continue
        rule = key[len(R):-len("/missed")]
        field = RULE_FIELD.get(rule, rule)
        prefix = {"listing_links": "newscrawl/discovery/", "start_urls": "newscrawl/discovery/",
                  "pagination_links": "newscrawl/pagination/"}.get(
                      rule, f"newscrawl/layer/{field}/")
        answered = {k[len(prefix):]: int(v) for k, v in stats.items()
                    if k.startswith(prefix) and v
                    and k[len(prefix):] not in ("rule", "listing-rule", "start_failed")}
        drift[rule] = {"pages": int(stats.get(f"{R}{rule}/pages") or 0), "missed": int(value),
                       "answered_by": answered}
    return drift


def drift_flags(drift: dict[str, dict], settings: Any) -> list[str]:
    """The "rules drifted?" flags: a rule that missed on more than NEWS_LAYOUT_MISSING_THRESHOLD
    of the pages it was tried on (article rules: at least NEWS_LAYOUT_MIN_ARTICLES pages), named
    with what it matched and which fallback answered instead."""
    threshold = settings.getfloat("NEWS_LAYOUT_MISSING_THRESHOLD")
    min_pages = settings.getint("NEWS_LAYOUT_MIN_ARTICLES")
    flags = []
    for rule, seen in sorted(drift.items(), key=lambda kv: (RULE_ORDER.index(kv[0])
                                                         if kv[0] in RULE_ORDER else 99, kv[0])):
        pages, missed, answered = seen["pages"], seen["missed"], seen["answered_by"]
        if not pages or missed / pages <= threshold:
            continue
        if rule == "start_urls":
            what = f"{missed} of {pages} start pages failed"
        elif rule in ("listing_links", "pagination_links"):
            if rule == "pagination_links" and (missed < pages or pages < 2):
                continue                # the last listing page has no next page: not drift
            what = f"{rule} matched nothing on {missed} of {pages} listing pages"
        else:
            if pages < min_pages:
                continue
            if rule not in ALWAYS_FLAGGED and sum(answered.values()) * 2 < missed:
                continue                # mostly pages without a byline / tags: not drift
            what = f"rules.{rule} matched {pages - missed} of {pages} pages"
        if answered:
            noun = {"date": "dates", "body": "bodies", "listing_links": "links",
                    "pagination_links": "next pages", "start_urls": "articles"}.get(rule, f"{rule}s")
            what += f"; {noun} came from " + layer_counts(answered)
        else:
            what += "; no fallback answered either"
        flags.append(f"rules drifted? {what}")
    return flags


# --- newscrawl check ---------------------------------------------------------------------------

def _fetch(url: str, settings: Any, policy: Any, max_hops: int = 5):
    """GET `url` through the environment's proxy, following at most `max_hops` redirects that the
    crawl's policy allows. Returns (HtmlResponse | TextResponse | None, error text | None)."""
    from urllib.parse import urljoin

    from scrapy.http import HtmlResponse, Response
    from scrapy.http import Headers

    from crawler.addsite.fetch import http_get, no_redirect_opener
    from crawler.charset import choose_encoding

    opener = no_redirect_opener(settings)
    timeout = min(settings.getfloat("DOWNLOAD_TIMEOUT", 30), 60)
    maxsize = settings.getint("DOWNLOAD_MAXSIZE", 10 * 1024 * 1024)
    for _ in range(max_hops + 1):
        why = policy.refusal(url)
        if why:
            return None, f"refused: {why}"
        try:
            status, headers, body = http_get(opener, url, settings.get("USER_AGENT"), timeout,
                                             maxsize)
        except Exception as error:  # network trouble: report it, go on with the next site
            return None, f"{type(error).__name__}: {error}"
        if status in (301, 302, 303, 307, 308) and headers.get("Location"):
            url = urljoin(url, headers["Location"])
            continue
        if len(body) > maxsize:
            return None, f"larger than DOWNLOAD_MAXSIZE ({maxsize} bytes)"
        scrapy_headers = Headers({k: v for k, v in headers.items()})
        content_type = (headers.get("Content-Type") or "").lower()
        cls = HtmlResponse if ("html" in content_type or not content_type) else Response
        response = cls(url=url, status=status, headers=scrapy_headers, body=body)
        if isinstance(response, TextResponse):     # the crawl's charset (crawler/charset.py)
            response = response.replace(encoding=choose_encoding(body, content_type)[0])
        if status != 200:
            return response, f"HTTP {status}"
        return response, None
    return None, f"more than {max_hops} redirects"


def _robots_allows(url: str, settings: Any, policy: Any, cache: dict) -> bool:
    from urllib.parse import urlsplit

    from protego import Protego
    parts = urlsplit(url)
    key = f"{parts.scheme}://{parts.netloc}"
    if key not in cache:
        response, error = _fetch(key + "/robots.txt", settings, policy)
        text = ""
        if response is not None and not error:
            text = response.body.decode("utf-8", "replace")
        cache[key] = Protego.parse(text)
    return cache[key].can_fetch(url, settings.get("USER_AGENT") or "*")


def check_site(spider_cls: Any, settings: Any, robots_cache: dict | None = None) -> dict:
    """Fetch the first listing page and the first article it links to; what came out."""
    from crawler.middlewares import TargetPolicy

    robots_cache = {} if robots_cache is None else robots_cache
    row: dict[str, Any] = {"site": spider_cls.name, "listing": None, "links": 0, "article": None,
                           "title": None, "sapo": None, "body_chars": 0, "date": None,
                           "author": None, "ok": False, "problem": None}
    policy = TargetPolicy(spider_cls, settings)
    starts = list(getattr(spider_cls, "start_urls", []) or [])
    if not starts:
        row["problem"] = "no start_urls"
        return row
    listing = row["listing"] = starts[0]
    obey = settings.getbool("ROBOTSTXT_OBEY", True)
    if obey and not _robots_allows(listing, settings, policy, robots_cache):
        row["problem"] = "listing disallowed by robots.txt"
        return row
    response, error = _fetch(listing, settings, policy)
    if response is None or error or not isinstance(response, TextResponse):
        row["problem"] = f"listing: {error or 'not HTML'}"
        return row
    links, layer = spider_cls.listing_links_found(response)
    row["links"] = len(links)
    drifted = []
    from crawler.urls import canonical_url
    if canonical_url(response.url) != canonical_url(listing):
        drifted.append(f"start page moved: {listing} → {response.url}")
    incomplete = _check_listing_against_feed(spider_cls, response, links, settings, policy,
                                             robots_cache if obey else None)
    if not links:
        row["problem"] = (f"layout changed? no article link on the listing, neither by "
                          f"listing_links {list(spider_cls.listing_links)} nor in its main content")
        return row
    if spider_cls.listing_links and layer != "listing-rule":
        drifted.append(f"listing_links {list(spider_cls.listing_links)} matched nothing; links "
                       f"came from {LAYER_WORDS.get(layer, layer)}")
    for url in links:
        if not obey or _robots_allows(url, settings, policy, robots_cache):
            break
    else:
        row["problem"] = "every article link is disallowed by robots.txt"
        return row
    row["article"] = url
    response, error = _fetch(url, settings, policy)
    if response is None or error or not isinstance(response, TextResponse):
        row["problem"] = f"article: {error or 'not HTML'}"
        return row
    page = spider_cls.read_page(response.body, response.url,
                                response.headers.get("Content-Type", b"").decode("latin-1") or None,
                                response.headers)
    found = page.article or page.found
    row.update(title=found.title, sapo=found.sapo, body_chars=len(found.body or ""),
               date=found.published_at, author=found.author,
               extracted_by=page.found.extracted_by, rule_missed=page.found.rule_missed,
               rejection=page.rejection)
    present = fields_present(found)
    missing = [name for name in FLAG_FIELDS if not present[name]]
    row["ok"] = not [m for m in missing if m in ("title", "body")]
    for rule in page.found.rule_missed:
        layer = page.found.extracted_by.get(RULE_FIELD.get(rule, rule))
        if rule in ALWAYS_FLAGGED and layer:
            drifted.append(f"{_selectors(spider_cls, rule)} matched nothing; {rule} came from "
                           f"{LAYER_WORDS.get(layer, layer)}")
    problems = []
    if incomplete:
        problems.append(incomplete)
    if missing:
        problems.append("layout changed? " + "; ".join(
            f"no {name}: {_selectors(spider_cls, name)}" for name in missing))
    if drifted:
        problems.append("rules drifted? " + "; ".join(drifted))
    row["problem"] = "; ".join(problems) or None
    return row


def _check_listing_against_feed(spider_cls: Any, listing: Any, links: list[str], settings: Any,
                                policy: Any, robots_cache: dict | None) -> str | None:
    """`newscrawl check`'s "listings incomplete?": the site's first feed (declared, else announced
    by the listing page) against the listing page. When the listing page leads to a next page,
    the feed's articles down to the oldest one the page shows must all be on it; when it leads
    nowhere (a "load more" button fed by a script), every article of the feed must be."""
    from crawler.discovery.feeds import alternate_feeds, feed_entries
    from crawler.discovery.pagination import next_listing_page
    feeds = list(getattr(spider_cls, "feed_urls", None) or []) or alternate_feeds(listing)
    if not feeds or not links:
        return None
    if robots_cache is not None and not _robots_allows(feeds[0], settings, policy, robots_cache):
        return None
    response, error = _fetch(feeds[0], settings, policy)
    if response is None or error:
        return None
    entries, _ = feed_entries(response.body,
                              response.headers.get("Content-Type", b"").decode("latin-1"))
    named = spider_cls.article_links(link for link, _ in entries)
    shown = set(links)
    anchors = [a for selector in spider_cls.pagination_links or ()
               for a in listing.css(selector)]
    is_listing = lambda url: not spider_cls.article_id(url)     # noqa: E731
    has_next = bool(next_listing_page(listing, 1, anchors, is_listing)[0])
    if has_next:
        last = max((i for i, url in enumerate(named) if url in shown), default=-1)
        named = named[:last + 1]
    missed = [url for url in named if url not in shown]
    return listings_incomplete(len(named), len(missed), settings, stored=False)


def check_sites(spider_classes: list, settings: Any) -> list[dict]:
    cache: dict = {}
    return [check_site(cls, settings, cache) for cls in spider_classes]


def format_check(rows: list[dict]) -> str:
    """The `newscrawl check` table: one line per site, ✓ / ✗ per field, then the problems."""
    def mark(value: Any) -> str:
        return "✓" if value else "✗"

    header = ["site", "links", "title", "sapo", "body chars", "date", "author", "result"]
    table = [[r["site"], str(r["links"]), mark(r["title"]), mark(r["sapo"]),
              str(r["body_chars"]), (r["date"] or "✗")[:16], mark(r["author"]),
              "ok" if r["ok"] and not r["problem"] else ("CHECK" if r["ok"] else "FAILED")]
             for r in rows]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
             for line in [header, *table]]
    notes = []
    for r in rows:
        if r["article"]:
            notes.append(f"  {r['site']}: article {r['article']}")
        if r["title"]:
            notes.append(f"    title: {r['title'][:100]}")
        if r["problem"]:
            notes.append(f"    {r['problem']}")
    return "\n".join(lines + ([""] + notes if notes else []))
