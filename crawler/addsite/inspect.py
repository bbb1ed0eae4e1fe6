"""`newscrawl add-site URL`: from a site's home page to a proven declaration, or a clear refusal.

    result = inspect_site(url, settings)      # raises Refused (with the reason) or returns Findings

Steps, all through one `PoliteFetcher` (crawler/addsite/fetch.py: robots.txt obeyed, one request
at a time, at most 60 requests and a minute):
1. the page at URL (refused when robots.txt forbids it, when it is not HTML — a PDF —, or when it
   is a login page without article links);
2. its feeds (`<link rel=alternate>`, links naming rss/feed, else `/feed/` and `/rss`) and the
   sitemaps robots.txt names (else `/sitemap.xml`), a sitemap index's newest article files;
3. the article URL pattern from the shapes of all those links (crawler/addsite/shapes.py);
   refused when no shape with an id, a date or a long slug repeats;
4. the union and labour sections: the page's links that are no article, named like one (see
   `UNION_NAMES`, and crawler/topics.py on the name) read first, then the other menu links while
   the budget lasts; a section is kept when its headlines are about union and labour
   (crawler/topics.py's `classify` on each headline), or when it is named so and its headlines do
   not say otherwise;
5. 5-10 sample articles (from the kept sections, else the feeds) read through the crawl's page
   path (`NewsSpider.read_page`, crawler/page.py) with the spider to be written; refused when
   fewer than `MIN_SAMPLE_SHARE` of them read as articles (title, body, date);
6. a body selector only when the samples call for one (`infer_body_rule`: the generic reading
   kept page furniture around a container every sample shares); otherwise `rules = None`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.addsite.fetch import BudgetSpent, Forbidden, PoliteFetcher
from crawler.addsite.shapes import NOT_PAGES, Shape, evidence, infer
from crawler.topics import classify, fold
from crawler.urls import bare_host, canonical_url, same_site

# Section names that say union or labour (folded: no marks, đ -> d), matched as whole words.
UNION_NAMES = ("cong doan", "lao dong", "nguoi lao dong", "cong nhan", "doan vien", "viec lam",
               "chinh sach lao dong", "quan he lao dong", "bhxh", "bao hiem xa hoi", "tien luong",
               "an toan lao dong", "nu cong", "thiet che cong doan", "can bo cong doan")
# Links that are never sections: accounts, search, contact, media, files.
NOT_SECTIONS = re.compile(r"(?:^|[/_\-.])(?:login|dang-?nhap|dang-?ky|register|signin|account|"
                          r"thanh-vien|tim-?kiem|search|lien-?he|contact|gioi-?thieu|about|"
                          r"video|videos|anh|photo|podcast|media|multimedia|emagazine|"
                          r"wp-admin|wp-login|feed|rss|sitemap|tag|tags|author|tac-gia)"
                          r"(?:[/_\-.?]|$)", re.I)
FEED_HINT = re.compile(r"(?:rss|feed|atom)", re.I)
MEDIA = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|pdf|docx?|xlsx?|zip|rar|mp4|mp3|css|js)$", re.I)
FEED_GUESSES = ("/feed/", "/rss")
MAX_SECTION_PAGES = 14
MAX_SITEMAP_FILES = 3
SAMPLES = 8
MIN_GOOD_SAMPLES = 3          # fewer articles read than this proves nothing
MIN_SAMPLE_SHARE = 0.8
SECTION_SHARE = 0.6           # share of union/labour headlines that makes a section one
NAMED_SECTION_SHARE = 0.3     # enough for a section named so


class Refused(Exception):
    """add-site will not write a declaration; the message says why and what to do. `findings`:
    what was read before deciding (for the report), when there is any."""

    def __init__(self, message: str, findings: "Findings | None" = None):
        super().__init__(message)
        self.message, self.findings = message, findings


@dataclass
class SectionSeen:
    url: str
    label: str
    named: bool
    links: list[str] = field(default_factory=list)
    headlines: int = 0
    union_headlines: int = 0
    kept: bool = False
    why: str = ""


@dataclass
class Sample:
    url: str
    ok: bool
    title: str | None = None
    date: str | None = None
    lead: str | None = None
    author: str | None = None
    body_chars: int = 0
    layers: dict = field(default_factory=dict)
    problem: str | None = None
    html: bytes | None = field(default=None, repr=False)     # the page, to try a body rule on
    text_chars: int = 0                                      # lead + body


@dataclass
class Findings:
    url: str
    host: str
    site_title: str
    shape: Shape
    shapes_considered: list
    sections: list[SectionSeen]
    feeds: dict          # feed URL -> (entries, union entries, article links)
    union_feeds: list[str]
    sitemaps: dict       # sitemap URL -> number of article URLs (or a note)
    samples: list[Sample]
    requests: list
    seconds: float
    robots: dict
    budget_note: str | None = None
    body_rule: str | None = None         # a body selector the samples called for (else None)
    body_why: str = ""

    @property
    def start_urls(self) -> list[str]:
        return [s.url for s in self.sections if s.kept]


def is_union_name(label: str) -> bool:
    text = " " + " ".join(re.findall(r"\w+", fold(label))) + " "
    if any(f" {name} " in text for name in UNION_NAMES):
        return True
    return bool(label.strip()) and classify(label.strip()).labour_relevant


def spider_class(name: str, host: str, pattern: str, start_urls=(), feed_urls=()):
    """The spider add-site will write, as a class: what reads the samples as the crawl will."""
    from crawler.newsspider import NewsSpider
    return type(f"{name.title().replace('_', '')}Spider", (NewsSpider,), {
        "name": name, "allowed_domains": [host], "start_urls": list(start_urls),
        "feed_urls": list(feed_urls), "article_url": pattern, "rules": None})


def read_sample(spider_cls, fetcher: PoliteFetcher, url: str) -> Sample:
    """Fetch one article and read it through the crawl's page path; ok = title, body and date."""
    try:
        got = fetcher.get(url)
    except Forbidden as error:
        return Sample(url, False, problem=str(error))
    except OSError as error:
        return Sample(url, False, problem=f"{type(error).__name__}: {error}")
    if got.status != 200:
        return Sample(url, False, problem=f"HTTP {got.status}")
    return read_sample_page(spider_cls, url, got.body, got.url, got.content_type, got.headers)


def read_sample_page(spider_cls, url: str, body: bytes, fetched_url: str, content_type: str | None,
                     headers=None) -> Sample:
    from crawler.health import fields_present
    page = spider_cls.read_page(body, fetched_url, content_type or None, headers)
    found = page.article or page.found
    present = fields_present(found)
    missing = [n for n in ("title", "body", "date") if not present[n]]
    problem = page.rejection or (f"no {', no '.join(missing)}" if missing else None)
    return Sample(url=url, ok=page.article is not None and not missing, title=found.title,
                  date=found.published_at, lead=found.sapo, author=found.author,
                  body_chars=len(found.body or ""), layers=dict(page.found.extracted_by),
                  problem=problem, html=body,
                  text_chars=len(found.sapo or "") + len(found.body or ""))


def densest_container(html: bytes) -> str | None:
    """CSS selector (`tag.class`) of the element whose own paragraphs hold the most text."""
    import lxml.html
    try:
        tree = lxml.html.fromstring(html)
    except Exception:
        return None
    best, most = None, 0
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        chars = sum(len(child.text_content().strip()) for child in element if child.tag == "p")
        if chars > most:
            best, most = element, chars
    if best is None:
        return None
    ident = best.get("id") or ""
    if ident and not re.search(r"\d{3,}", ident):
        return f"{best.tag}#{ident}"
    classes = [c for c in (best.get("class") or "").split() if not re.search(r"\d{3,}", c)]
    return f"{best.tag}.{classes[0]}" if classes else None


BODY_RULE_GAIN = 1.05     # the generic reading holds this much more text than the container


def infer_body_rule(spider_cls, samples: list[Sample]) -> tuple[str | None, str, list[Sample]]:
    """A body selector for the declaration, or None (the generic layer reads the body), why, and
    the samples as read with it (the good ones read again, the others as they were; `samples`
    itself when there is no selector).

    Kept only when the same container (the element whose paragraphs hold the most text) is on at
    least 80 % of the good samples, every sample still reads as an article with it, and the
    generic reading held clearly more text (page furniture: a table layout's menus and footer)."""
    from crawler.extraction import SiteRules
    good = [s for s in samples if s.ok and s.html]
    if len(good) < 3:
        return None, "too few samples to compare", samples
    selectors = [densest_container(s.html) for s in good]
    common = max(set(selectors), key=selectors.count)
    if common is None or selectors.count(common) < 0.8 * len(good):
        return None, "no container shared by the samples", samples
    with_rule = type(spider_cls.__name__, (spider_cls,), {"rules": SiteRules(body=(common,))})
    again = [read_sample_page(with_rule, s.url, s.html, s.url, "text/html") for s in good]
    if not all(s.ok for s in again):
        return None, f"{common} did not read every sample", samples
    generic = sum(s.text_chars for s in good)
    ruled = sum(s.text_chars for s in again)
    if generic < BODY_RULE_GAIN * ruled:
        return None, (f"the generic layer reads the samples as {common} holds them "
                      f"({generic} vs {ruled} characters)"), samples
    reread = iter(again)
    return common, (f"the generic reading held {generic / max(ruled, 1):.2f}x the text of {common} "
                    f"on {len(good)} samples (page furniture); every sample reads with it"), \
        [next(reread) if s.ok and s.html else s for s in samples]


def _anchors(response) -> dict[str, str]:
    """Same-page links: canonical URL -> the longest text shown for it."""
    out: dict[str, str] = {}
    for anchor in response.css("a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = canonical_url(response.urljoin(href))
        text = " ".join(" ".join(anchor.css("::text").getall()).split())
        if len(text) > len(out.get(url, "")):
            out[url] = text
        else:
            out.setdefault(url, text)
    return out


def _is_login(response) -> bool:
    return bool(response.css('input[type="password"], input[type=password]'))


class Inspection:
    """One run of add-site's reading (see the module docstring)."""

    def __init__(self, url: str, settings, max_requests: int = 60, max_seconds: float = 60.0):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Refused(f"{url!r} is not a web address; give the site's home page, e.g. "
                          "https://example.vn/")
        self.url = url
        self.host = bare_host(parts.netloc)
        self.fetcher = PoliteFetcher(url, settings, max_requests, max_seconds)
        self.links: dict[str, list[str]] = {"home": [], "feed": [], "sitemap": [], "section": []}
        self.titles: dict[str, str] = {}          # article URL -> headline seen
        self.feeds: dict[str, tuple] = {}
        self.feed_titles: dict[str, list[tuple[str, str]]] = {}
        self.sitemaps: dict[str, object] = {}
        self.budget_note: str | None = None

    # --- 1. the home page --------------------------------------------------------------------
    def read_home(self):
        try:
            got = self.fetcher.get(self.url)
        except Forbidden as error:
            raise Refused(f"{error}. Nothing written: a site that forbids us is not added.") from None
        except (OSError, BudgetSpent) as error:
            raise Refused(f"could not read {self.url} ({type(error).__name__}: {error}); check the "
                          "address and the network (http_proxy / https_proxy)") from None
        if got.status != 200:
            raise Refused(f"{self.url} answered HTTP {got.status}; give the site's home page")
        if not same_site(got.url, [self.host]):
            raise Refused(f"{self.url} redirects to another site ({got.url}); run add-site on that "
                          "address instead")
        kind = got.content_type.split(";")[0].strip().lower()
        if kind and "html" not in kind:
            raise Refused(f"{self.url} is {kind}, not a web page: add-site needs a news site's "
                          "home page (e.g. https://example.vn/)")
        if got.body[:5] == b"%PDF-":
            raise Refused(f"{self.url} is a PDF, not a web page: add-site needs a news site's home page")
        response = got.response()
        self.home = response
        self.site_title = " ".join(" ".join(response.css("title::text").getall()).split())[:120]
        self.anchors = _anchors(response)
        self.links["home"] = [u for u in self.anchors if same_site(u, [self.host])]
        return response

    # --- 2. feeds and sitemaps ---------------------------------------------------------------
    def read_feeds(self):
        from crawler.discovery.feeds import alternate_feeds
        import feedparser
        candidates = [canonical_url(u) for u in alternate_feeds(self.home)]
        candidates += [u for u in self.links["home"]
                       if FEED_HINT.search(urlsplit(u).path) and not MEDIA.search(urlsplit(u).path)]
        candidates = [u for u in dict.fromkeys(candidates) if same_site(u, [self.host])]
        guessed = False
        if not candidates:
            candidates = [f"https://{urlsplit(self.url).netloc}{g}" for g in FEED_GUESSES]
            guessed = True
        for url in candidates[:4]:
            try:
                got = self.fetcher.get(url)
            except (Forbidden, OSError):
                continue
            if got.status != 200:
                continue
            parsed = feedparser.parse(got.body, response_headers={"content-type": got.content_type})
            entries = [(e.get("link", "").strip(), " ".join((e.get("title") or "").split()))
                       for e in parsed.entries if e.get("link")]
            if not entries:
                continue
            links = [canonical_url(urljoin(got.url, link)) for link, _ in entries]
            self.links["feed"] += links
            self.feed_titles[canonical_url(url)] = list(zip(links, (t for _, t in entries)))
            for link, title in zip(links, (t for _, t in entries)):
                self.titles.setdefault(link, title)
            if guessed:
                break

    def read_sitemaps(self):
        from crawler.discovery.sitemaps import NOT_ARTICLE_SITEMAP, NewsSitemap, newest_first, sitemap_body
        try:
            listed = [u for u in self.fetcher.sitemaps_in_robots(self.url) if same_site(u, [self.host])]
        except BudgetSpent:
            return
        queue = listed or [f"https://{urlsplit(self.url).netloc}/sitemap.xml"]
        files = 0
        while queue and files < MAX_SITEMAP_FILES:
            url = queue.pop(0)
            try:
                got = self.fetcher.get(url)
            except (Forbidden, OSError):
                continue
            files += 1
            if got.status != 200:
                self.sitemaps[url] = f"HTTP {got.status}"
                continue
            body = sitemap_body(got.response(), 10 * 1024 * 1024)
            if body is None:
                self.sitemaps[url] = "not a sitemap"
                continue
            sitemap = NewsSitemap(body)
            entries = [e for e in sitemap if e.get("loc")]
            if sitemap.type == "sitemapindex":
                children = [urljoin(got.url, e["loc"]) for e in newest_first(entries)
                            if not NOT_ARTICLE_SITEMAP.search(urlsplit(e["loc"]).path)]
                self.sitemaps[url] = f"index of {len(entries)} files"
                queue = children[:MAX_SITEMAP_FILES] + queue
                continue
            links = [canonical_url(urljoin(got.url, e["loc"])) for e in entries]
            self.sitemaps[url] = len(links)
            self.links["sitemap"] += links

    # --- 3. the article shape ------------------------------------------------------------------
    def find_shape(self) -> tuple[Shape, list]:
        shape, considered = infer(self.links)
        if shape is None:
            if _is_login(self.home):
                raise Refused(f"{self.url} is a login page (a password form) with no article links;"
                              " give the site's home page")
            n = sum(len(v) for v in self.links.values())
            raise Refused(f"no article pages found on {self.host}: among {n} links of the page, its "
                          "feeds and sitemaps, no URL shape with an id, a date or a long slug repeats."
                          " Nothing written. If this is a news site, give its home page or a section "
                          "with --section URL")
        return shape, considered

    # --- 4. sections ---------------------------------------------------------------------------
    def section_candidates(self, shape: Shape, given: list[str]) -> list[SectionSeen]:
        out, seen = [], set()
        for url in given:
            url = canonical_url(url)
            out.append(SectionSeen(url, self.anchors.get(url, "(given)"), True))
            seen.add(url)
        home = canonical_url(self.url)
        for url, label in self.anchors.items():
            path = urlsplit(url).path
            if (url in seen or url == home or path in ("", "/") or not same_site(url, [self.host])
                    or shape.matches(url) or NOT_PAGES.search(path) or NOT_SECTIONS.search(path)
                    or not label or len(label) > 60 or re.fullmatch(r"[\d\s»«›‹<>.]+", label)):
                continue
            seen.add(url)
            out.append(SectionSeen(url, label, is_union_name(label) or is_union_name(
                path.replace("-", " ").replace("/", " "))))
        named = [s for s in out if s.named]
        others = [s for s in out if not s.named]
        return named + others

    def read_sections(self, shape: Shape, given: list[str]) -> list[SectionSeen]:
        from crawler.links import main_content_links
        candidates = self.section_candidates(shape, given)
        read = []
        for section in candidates:
            if len(read) >= MAX_SECTION_PAGES or self.fetcher.left < SAMPLES + 2:
                break
            if not section.named and any(s.kept for s in read) and self.fetcher.left < SAMPLES + 6:
                break
            try:
                if not self.fetcher.allowed(section.url):
                    section.why = "robots.txt forbids it"
                    continue
                got = self.fetcher.get(section.url)
            except (Forbidden, OSError) as error:
                section.why = str(error)
                continue
            read.append(section)
            if got.status != 200 or "html" not in got.content_type.lower():
                section.why = f"HTTP {got.status}" if got.status != 200 else "not HTML"
                continue
            response = got.response()
            anchors = _anchors(response)
            links = [u for u in (canonical_url(x) for x in main_content_links(response))
                     if shape.matches(u)]
            section.links = list(dict.fromkeys(links))
            self.links["section"] += section.links
            for link in section.links:
                if anchors.get(link):
                    self.titles.setdefault(link, anchors[link])
            headlines = [anchors.get(u) for u in section.links if anchors.get(u)]
            section.headlines = len(headlines)
            section.union_headlines = sum(classify(h).labour_relevant for h in headlines)
            share = section.union_headlines / section.headlines if section.headlines else 0.0
            if not section.links:
                section.why = "no article links"
            elif share >= SECTION_SHARE or (section.named and share >= NAMED_SECTION_SHARE):
                section.kept = True
                section.why = (f"{section.union_headlines} of {section.headlines} headlines about "
                               f"union and labour" + (", named so" if section.named else ""))
            else:
                section.why = (f"only {section.union_headlines} of {section.headlines} headlines "
                               "about union and labour")
        return read

    # --- 5. samples ----------------------------------------------------------------------------
    def pick_samples(self, sections: list[SectionSeen], shape: Shape) -> list[str]:
        pools = [s.links for s in sections if s.kept]
        if not pools:
            pools = [[u for u, _ in entries if shape.matches(u)] for entries in self.feed_titles.values()]
            pools.append([u for u in self.links["home"] if shape.matches(u)])
        picked: list[str] = []
        for i in range(max((len(p) for p in pools), default=0)):
            for pool in pools:
                if i < len(pool) and pool[i] not in picked and len(picked) < SAMPLES:
                    picked.append(pool[i])
        return picked

    def union_feeds(self, sections: list[SectionSeen], shape: Shape) -> list[str]:
        """Feeds to declare: those whose entries are mostly union and labour headlines, or that
        list mostly the kept sections' articles. A site-wide feed of every section is not
        declared (it would bring sport and weather into the archive)."""
        kept_links = {u for s in sections if s.kept for u in s.links}
        dropped_links = {u for s in sections if not s.kept for u in s.links} - kept_links
        out = []
        for url, entries in self.feed_titles.items():
            articles = [(u, t) for u, t in entries if shape.matches(u)]
            if not articles:
                continue
            union = sum(classify(t).labour_relevant for _, t in articles if t)
            in_sections = sum(u in kept_links for u, _ in articles)
            self.feeds[url] = (len(entries), union, len(articles))
            elsewhere = sum(u in dropped_links for u, _ in articles)
            if elsewhere > 0.1 * len(articles):
                continue                # lists the sections left out (sport, weather) too
            if union >= SECTION_SHARE * len(articles) or in_sections >= SECTION_SHARE * len(articles):
                out.append(url)
        return out


def inspect_site(url: str, settings, name: str, sections: list[str] | None = None,
                 max_requests: int = 60, max_seconds: float = 60.0) -> Findings:
    """Read the site at `url` politely and decide (module docstring); raises Refused."""
    run = Inspection(url, settings, max_requests, max_seconds)
    run.read_home()
    try:
        run.read_feeds()
        run.read_sitemaps()
    except BudgetSpent as spent:
        run.budget_note = f"budget spent ({spent}) while reading feeds and sitemaps"
    shape, considered = run.find_shape()
    try:
        seen = run.read_sections(shape, list(sections or []))
    except BudgetSpent as spent:
        run.budget_note = f"budget spent ({spent}) while reading sections"
        seen = []
    evidence(shape, run.links)
    kept = [s for s in seen if s.kept]
    feeds = run.union_feeds(seen, shape)
    spider_cls = spider_class(name, run.host, shape.pattern, [s.url for s in kept], feeds)
    samples: list[Sample] = []
    for sample_url in run.pick_samples(seen, shape):
        try:
            samples.append(read_sample(spider_cls, run.fetcher, sample_url))
        except BudgetSpent as spent:
            run.budget_note = f"budget spent ({spent}) while reading samples"
            break
    body_rule, body_why, samples = infer_body_rule(spider_cls, samples)
    findings = Findings(url=url, host=run.host, site_title=run.site_title, shape=shape,
                        shapes_considered=considered, sections=seen, feeds=run.feeds,
                        union_feeds=feeds, sitemaps=run.sitemaps, samples=samples,
                        requests=list(run.fetcher.requests), seconds=run.fetcher.seconds,
                        robots=dict(run.fetcher.robots_text), budget_note=run.budget_note,
                        body_rule=body_rule, body_why=body_why)
    good = [s for s in samples if s.ok]
    if not samples:
        raise Refused(f"no article page of {run.host} could be read (pattern {shape.description}); "
                      "nothing written", findings)
    if len(good) < MIN_GOOD_SAMPLES or len(good) < MIN_SAMPLE_SHARE * len(samples):
        problems = "; ".join(f"{s.url}: {s.problem}" for s in samples if not s.ok)[:600]
        raise Refused(f"the samples do not read as articles ({len(good)} of {len(samples)} with "
                      f"title, body and date): {problems}. Nothing written", findings)
    if not kept:
        raise Refused(f"no union or labour section found on {run.host} (read: "
                      + ", ".join(f"{s.label} {s.why}" for s in seen[:8])
                      + "). Nothing written; name one with --section URL", findings)
    return findings
