"""The one page path: what the crawl does with a page fetched at an article URL.

    read_page(spider_cls, body, url, content_type=None, headers=None, fetched_at=None,
              listed_date=None) -> Page
    (crawler.sites.read_saved_page: the same for a saved page, its site found from its link)

decode (crawler/charset.py) -> read (site rules and fallbacks, crawler/extraction.py) -> canonical
URL when believable (crawler/canonical.py) and site id -> no mojibake -> Unicode NFC -> validate ->
an `Article` (with its content hash and its union and labour topics, crawler/topics.py), or a
rejection with its reason. `NewsSpider.parse_article` (crawl), `newscrawl extract`, `newscrawl
reextract` and `newscrawl check` all call it, so a page reads the same everywhere.

A rejection is for good (`Page.for_good`) only when the page is positively not an article (not
HTML, soft 404, video-only, a listing, og:type not article); otherwise ("could not read": a
layout the rules and the fallbacks both missed) the page is kept and tried again later.
"""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urljoin

from crawler.canonical import canonical_refusal
from crawler.charset import looks_like_mojibake, read_html
from crawler.extraction import MIN_ARTICLE_CHARS, Extracted, extract_article
from crawler.items import Article
from crawler.topics import VocabularyError, classify
from crawler.urls import canonical_url

TEXT_FIELDS = ("title", "sapo", "body", "author", "section")
MOJIBAKE = "mojibake"      # the rejection's first word for text that still reads as mojibake
logger = logging.getLogger(__name__)
_vocabulary_errors_logged: set[str] = set()


@dataclass
class Page:
    """One page read: the article, or why there is none."""
    url: str | None                        # canonical (the page's own same-site canonical link)
    article_id: str | None
    found: Extracted = field(default_factory=Extracted)   # everything the reading found
    article: Article | None = None
    rejection: str | None = None           # why no article: the refusal, or what was missing
    for_good: bool = False                 # positively not an article: do not request it again
    bad_canonical: str | None = None       # a canonical not believed, why (crawler/canonical.py)

    @property
    def is_article(self) -> bool:
        return self.article is not None


def decode(body: bytes | str, content_type: str | None = None) -> str:
    """The page's text, decoded as the crawl decodes it (crawler/charset.py: header, meta and
    what the text is weighed together; invalid bytes replaced)."""
    return read_html(body, content_type).text


def is_html_type(content_type: str | None, body: bytes | str) -> bool:
    """HTML by its Content-Type; without one, anything that does not start like a PDF."""
    if content_type:
        return "html" in content_type.lower()
    head = body[:5] if isinstance(body, bytes) else body[:5].encode("latin-1", "replace")
    return head != b"%PDF-"


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def article_id_of(spider_cls, url: str | None) -> str | None:
    """The site's id of the article at `url`; None without a URL (an empty string is no page)."""
    return spider_cls.article_id(url) if url else None


def read_page(spider_cls, body: bytes | str, url: str, content_type: str | None = None,
              headers=None, fetched_at: str | None = None,
              listed_date: str | None = None) -> Page:
    """Read one fetched page as the crawl does (see the module docstring). `headers` (a mapping,
    e.g. Scrapy's response.headers) give the ETag / Last-Modified kept for conditional refetches.
    `url` is the address the page was fetched from; without one, the page's canonical link.
    `fetched_at` (a stored page's fetch time) picks the site's rules of that time
    (`NewsSpider.rules_at`; None: today's) and is what a relative stamp ("3 giờ trước") counts
    back from. `listed_date` is the date the feed or sitemap gave for this URL: the date layer
    after everything the page itself states (crawler/extract/dates.py)."""
    fetched = canonical_url(url) if url else None
    if not is_html_type(content_type, body):
        refusal = f"not HTML: {content_type or 'PDF'}"
        found = Extracted(refusal=refusal)
        return Page(url=fetched, article_id=article_id_of(spider_cls, fetched), found=found,
                    rejection=refusal, for_good=True)
    try:
        decoded = read_html(body, content_type)
        found = extract_article(decoded.text, url or None, spider_cls.rules_at(fetched_at),
                                fetched_at=fetched_at, listed_date=listed_date,
                                utf8=decoded.utf8)
    except Exception as error:  # a broken page must not stop anything: say what broke
        return Page(url=fetched, article_id=article_id_of(spider_cls, fetched),
                    found=Extracted(problems=[f"could not parse: {error!r}"]),
                    rejection=f"could not parse: {error!r}")
    target = fetched
    bad_canonical = None
    if found.canonical_url:
        declared = canonical_url(urljoin(url or "", found.canonical_url))
        why = canonical_refusal(spider_cls, declared, fetched) if fetched else None
        if why is None:
            target = declared
        else:
            bad_canonical = f"{declared}: {why}"
    article_id = article_id_of(spider_cls, target) or article_id_of(spider_cls, url)
    page = Page(url=target, article_id=article_id, found=found, bad_canonical=bad_canonical)
    if found.refusal:
        page.rejection, page.for_good = found.refusal, True
        return page
    if looks_like_mojibake(found.title) or looks_like_mojibake(found.body):
        page.rejection = (f"{MOJIBAKE}: the text reads as mojibake after decoding (title "
                          f"{(found.title or '')[:60]!r}); nothing stored")
        return page
    problems = validation_problems(found)
    if problems:
        page.rejection = "could not read an article: " + "; ".join(problems)
        return page
    header = _header_reader(headers)
    page.article = Article(
        url=target or "", site=getattr(spider_cls, "name", None) or "", article_id=article_id,
        title=nfc(found.title), sapo=nfc(found.sapo), body=nfc(found.body),
        author=nfc(found.author), published_at=found.published_at,
        section=nfc(found.section), tags=[nfc(t) for t in found.tags],
        image_url=found.image_url and urljoin(url or target or "", found.image_url),
        html=body if isinstance(body, bytes) else None,
        etag=header("ETag"), last_modified=header("Last-Modified"),
        extracted_by=dict(found.extracted_by),
        fetched_url=fetched if fetched != target else None,
    )
    _tag_topics(page.article)
    return page


def _tag_topics(article: Article) -> None:
    """The article's union and labour topics (crawler/topics.py) from its stored text. A broken
    vocabulary file loses nothing: the article is kept without topics, the error logged once."""
    try:
        found = classify(article.title, article.sapo, article.body)
    except VocabularyError as error:
        if str(error) not in _vocabulary_errors_logged:
            _vocabulary_errors_logged.add(str(error))
            logger.error("%s; articles are stored without topics until the file is fixed, then "
                         "`newscrawl reextract --topics-only` tags them", error)
        return
    article.topics, article.labour_relevant = found.topics, found.labour_relevant
    article.topic_terms = found.topic_terms


def validation_problems(found: Extracted) -> list[str]:
    """What keeps a reading from being stored as an article (empty when it can be)."""
    problems = []
    if not (found.title or "").strip():
        problems.append("no title")
    if len((found.body or "").strip()) < MIN_ARTICLE_CHARS:
        problems.append(f"body too short ({len((found.body or '').strip())} characters)")
    if problems and found.rule_missed:
        problems.append("rules that matched nothing: " + ", ".join(found.rule_missed))
    return problems


def _header_reader(headers):
    def header(name: str) -> str | None:
        if not headers:
            return None
        value = headers.get(name)
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        return value or None
    return header
