"""Start pages that moved or failed: a permanent redirect followed, the home page and its menu read.

* A start page answering 301/308 is followed (Scrapy's redirect, within the site: crawler/
  middlewares.py) and read as the listing it now is; the move is kept in the stats
  (`newscrawl/moved_start_pages`) and crawler/health.py flags the rule as drifted
  ("rules drifted? start page moved: OLD → NEW").
* A start page that fails (4xx/5xx, not HTML, no article link) makes the home page a listing
  (one answering 404 or 410 is gone: `newscrawl/gone_start_pages`, flagged as drifted too):
  its article links (channel `home`) and its own pagination, followed like any listing's. Then
  the links of its menu to sections named like the lost one (channel `section`): the same last
  path segment first, then that name lengthened or spelt otherwise (`tin-tuc` ->
  `tin-tuc-su-kien`, `tintuc_sukien` -> `tin-tuc-su-kien`); a sub-section of another section
  (`/bat-dong-san/cong-doan` for a lost `/cong-doan/`: a mega-menu's entry) is never one. A
  section counts when its page lists article links. Bounded: `NEWS_FALLBACK_MAX_PAGES` pages per
  run for the home page, the sections and their pagination (a backfill: the backfill's bound).
"""
from __future__ import annotations

import logging

import re
from urllib.parse import urlsplit

from crawler.problems import report_problem
from crawler.urls import canonical_url

R = "newscrawl/rules/"
D = "newscrawl/discovery/"
PERMANENT = (301, 308)
TRIVIAL_SEGMENTS = {"", "index", "home", "trang-chu", "-", "vi", "en", "web", "guest"}
SECTIONS_PER_NAME = 2
NO_LINKS = "no article links"
GONE = ("HTTP 404", "HTTP 410")
UNREACHABLE = "newscrawl/start_pages_unreachable"   # 4xx/5xx, no answer, not HTML


def segment_key(segment: str) -> str:
    """A path segment as a name: lower-case letters and digits only, no extension
    (`tintuc_sukien`, `tin-tuc-su-kien.html` -> `tintucsukien`)."""
    segment = re.sub(r"\.(?:html?|aspx?|php|htm)$", "", segment.split("&", 1)[0].lower())
    return re.sub(r"[^a-z0-9]+", "", segment)


def path_segments(url: str) -> list[str]:
    return [s for s in urlsplit(url).path.split("/") if s]


def section_names(url: str) -> list[str]:
    """The names a listing URL carries: keys of its path segments that are words, ids left out
    (`7320`, `ZVOm7e3VDMRM`, the `tag4194` of `cong-doan-lao-cai-tag4194.html`), last first."""
    names = []
    for segment in reversed(path_segments(url)):
        words = [w for w in re.split(r"[^A-Za-z0-9]+", segment.split("&", 1)[0])
                 if w and not re.search(r"\d", w)]
        words = [w for w in words if w.lower() not in ("html", "htm", "php", "aspx", "asp")]
        key = "".join(words).lower()
        if len(key) >= 3 and key not in TRIVIAL_SEGMENTS and key not in names:
            names.append(key)
    return names


def _keys(url: str) -> list[str]:
    return [segment_key(s) for s in path_segments(url)]


def _related(key: str, names: list[str]) -> bool:
    """`key` is one of `names`, lengthened (`tintuc` -> `tintuc24h`) or shortened
    (`congdoanlaocai` -> `congdoan`)."""
    for name in names:
        short = min(len(key), len(name))
        if key == name or (short >= 6 and (key.startswith(name) or name.startswith(key))):
            return True
    return False


def section_rank(lost: str, candidate: str, parent: str | None = None, ours=()) -> int | None:
    """How well `candidate` (a link of the home page) stands for the lost start page `lost`: 0
    the same last name, 1 a name of it lengthened, shortened or spelt otherwise (`tin-tuc` ->
    `tin-tuc-24h`, `tintuc_sukien` -> `tin-tuc-su-kien`), None not a stand-in: another name; a
    sibling of the lost section (same parent, another last segment: `/7321` beside `/7320`); an
    entry under another section of the menu (`parent`: the menu entry it hangs under) that is
    neither one of ours (`ours`: the start pages) nor named like the lost one, when the lost one
    was a section of its own: a mega-menu's `/bat-dong-san/cong-doan` for a lost `/cong-doan/`.
    (A lost sub-section may have moved under another section: then only under its own name.)"""
    names = section_names(lost)
    lost_keys, keys = _keys(lost), _keys(candidate)
    if not names or not keys or not keys[-1]:
        return None
    last = keys[-1]
    if parent:
        parent_keys = _keys(parent)
        related = (parent_keys == lost_keys[:-1] or any(_keys(u) == parent_keys for u in ours)
                   or any(_related(k, names) for k in parent_keys))
        if not related and (len(names) <= 1 or last != names[0]):
            return None                     # under another section of the menu
    if keys[:-1] == lost_keys[:-1] and not _related(last, names):
        return None                         # a sibling section, not the lost one
    if last == names[0]:
        return 0
    if any(_related(key, names) for key in keys):
        return 1
    return None


def menu_parents(response, is_listing_url) -> dict[str, str | None]:
    """The home page's listing links, in page order, each with the menu entry it hangs under
    (the first link of the enclosing `<li>` of its own `<li>`; for a link in no list, its URL's
    parent path when the page links that too), else None."""
    from urllib.parse import urljoin
    found: dict[str, str | None] = {}
    outside = set()                         # links in no list: their URL tells their parent
    for anchor in response.css("a[href]"):
        url = response.urljoin(anchor.attrib["href"].strip())
        if not is_listing_url(url) or url in found:
            continue
        parent = None
        items = anchor.xpath("ancestor::li")
        if len(items) >= 2:
            head = items[-2].xpath("./a[@href][1]/@href | ./*[not(self::ul) and not(self::div)]"
                                   "//a[@href][1]/@href").get()
            if head and response.urljoin(head.strip()) != url:
                parent = response.urljoin(head.strip())
        found[url] = parent
        if not items:
            outside.add(url)
    links = set(found)
    for url in outside:
        if found[url] is None:
            path = urlsplit(url).path.rstrip("/")
            up = path.rsplit("/", 1)[0]
            if up:
                for candidate in (urljoin(url, up), urljoin(url, up + "/"),
                                  *(urljoin(url, up + ext) for ext in (".htm", ".html"))):
                    if candidate in links:
                        found[url] = candidate
                        break
    return found


class Sections:
    """Mixed into the spider (crawler/discovery/__init__.py): start pages read, moved, failed."""

    def init_sections(self) -> None:
        self.failed_starts: list[tuple[str, str]] = []   # (start URL, why)
        self.moved_starts: list[str] = []                # "OLD → NEW (HTTP 301)"
        self.gone_starts: list[str] = []                 # "URL (HTTP 404)"
        self.menu_parents: dict[str, str | None] = {}    # home page's listing links -> menu entry
        settings = self.crawler.settings
        self.fallback_pages_left = (settings.getint("NEWS_BACKFILL_MAX_PAGES")
                                    if self.backfill_since
                                    else settings.getint("NEWS_FALLBACK_MAX_PAGES"))

    def start_page_read(self, url: str, failure: str | None, response=None) -> None:
        """Count a start page read (`rules/start_urls`); note a permanent move; a failed one
        makes the home page and its sections a listing."""
        self.count(R + "start_urls/pages")
        if response is not None:
            reasons = response.meta.get("redirect_reasons") or []
            urls = response.meta.get("redirect_urls") or []
            if urls and any(r in PERMANENT for r in reasons):
                move = f"{urls[0]} → {response.url} (HTTP {reasons[0]})"
                self.moved_starts.append(move)
                self.crawler.stats.set_value("newscrawl/moved_start_pages", list(self.moved_starts))
                self.count(R + "start_urls/moved")
                self.logger.warning("[%s] start page moved: %s; update the spider's start_urls",
                                    self.name, move)
        if failure is None:
            return
        self.count(R + "start_urls/missed")
        self.count(D + "start_failed")
        if failure != NO_LINKS:             # not there at all: its articles were not listed
            self.count(UNREACHABLE)
        if failure in GONE:                 # the page is gone: the rule drifted (flagged)
            self.gone_starts.append(f"{url} ({failure})")
            self.crawler.stats.set_value("newscrawl/gone_start_pages", list(self.gone_starts))
        self.failed_starts.append((url, failure))

    def on_start_error(self, failure):
        """Errback of start pages: reported like any failed download, then the fallbacks."""
        response = getattr(failure.value, "response", None)
        why = (f"HTTP {response.status}" if response is not None
               else failure.getErrorMessage() or failure.type.__name__)
        self.start_page_read(failure.request.url, why)
        report_problem(self, "download_failed", failure.request.url,
                       f"start page failed ({why}); trying the site's home page and its "
                       "sections; the feeds and sitemaps are read too; check the spider's "
                       "start_urls", level=logging.WARNING)

    def failed_hosts(self) -> list[str]:
        hosts = []
        for url, _ in self.failed_starts:
            host = urlsplit(url).netloc
            if host and host not in hosts:
                hosts.append(host)
        return hosts

    def fallback_page_allowed(self) -> bool:
        """One more page of the home page / sections fallback, within its bound."""
        if self.fallback_pages_left <= 0:
            return False
        self.fallback_pages_left -= 1
        return True

    # the home page: read every run (its feeds, its menu); a listing when a start page failed

    def home_requests(self):
        read = {canonical_url(url) for url in self.start_urls}
        for host in self.site_hosts():
            home = f"https://{host}/"
            if canonical_url(home) not in read:
                yield self.fallback_request(home, self.parse_home, priority=-1)

    def parse_home(self, response):
        """The home page: the feeds it announces and its menu's section links, every run; when a
        start page of its host failed, also a listing with its own pagination (channel home)."""
        if not hasattr(response, "css"):
            return
        self.note_announced_feeds(response)
        for url, parent in menu_parents(response, self.is_listing_url).items():
            if url not in self.menu_parents:
                self.menu_parents[url] = parent
        if urlsplit(response.url).netloc in self.failed_hosts() and self.fallback_page_allowed():
            yield from self.parse_listing(response, page=1, stale=0, chain=response.url,
                                          channel="home")

    # the menu's sections named like a lost start page

    def sections_requests(self):
        if not self.failed_starts:
            return
        failed = {canonical_url(u) for u, _ in self.failed_starts}
        starts = {canonical_url(u) for u in self.start_urls}
        for lost, _ in self.failed_starts:
            ranked = sorted((rank, i, url) for i, (url, parent) in enumerate(
                                self.menu_parents.items())
                            if canonical_url(url) not in failed | starts
                            and (rank := section_rank(lost, url, parent, self.start_urls))
                            is not None)
            for rank, _, url in ranked[:SECTIONS_PER_NAME]:
                if url in self.fallback_requested or not self.fallback_page_allowed():
                    continue
                self.logger.warning("[%s] section moved? reading %s from the home page's menu, "
                                    "named like the failed start page %s", self.name, url, lost)
                self.fallback_answers.setdefault("moved section", []).append(url)
                yield self.fallback_request(url, self.parse_listing, cb_kwargs={
                    "page": 1, "stale": 0, "chain": url, "channel": "section"})
