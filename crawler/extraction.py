"""Extract one article from one HTML page: the single extraction used by the crawl and the CLI.

Two paths, one entry point (`extract_article`):
- site path: a site's `SiteRules` (CSS selectors, noise to prune, date and prefix rules) find the
  title, lead, body container, author, date, tags; the body container, pruned of noise, is read as
  paragraphs. This is how fundus writes a publisher: a short declaration tested on saved pages.
- generic path: a page of a site without rules goes through trafilatura (`bare_extraction`).
Both paths take the date only from where a page states it (the site's date element, then
`article:published_time`, then JSON-LD `datePublished`), never from body text, and never guess.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import lxml.html
import trafilatura
from lxml.cssselect import CSSSelector

VIETNAM = timezone(timedelta(hours=7))

# Elements whose text is one paragraph when they hold no other block inside them.
BLOCK_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li figcaption blockquote pre td th div section article dd dt "
    "table thead tbody tfoot tr ul ol dl figure main header footer aside nav".split()
)
SKIP_TAGS = frozenset("script style noscript iframe form button select input textarea svg".split())
FILE_NAME = re.compile(r"^[\w\-. ()]+\.(jpe?g|png|gif|webp|bmp|tiff?)$", re.I)
DATE = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?!\d)")
MIN_ARTICLE_CHARS = 200   # shorter bodies are video-only pages, stubs, "not found" pages
TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[:hg]\s*(\d{2})(?!\d)")


@dataclass(frozen=True)
class SiteRules:
    """How to read one site's article pages. Selectors are CSS; the first that matches wins."""
    title: tuple[str, ...] = ()
    sapo: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    author: tuple[str, ...] = ()          # the LAST match is the byline; removed from the body
    date: tuple[str, ...] = ()            # elements whose joined text holds dd/mm/yyyy [hh:mm]
    tags: tuple[str, ...] = ()
    section: tuple[str, ...] = ()         # the LAST match (deepest breadcrumb) is the section
    noise: tuple[str, ...] = ()           # removed before anything is read
    sapo_prefix: str | None = None        # regex stripped from the start of the lead
    sapo_is_first_paragraph: bool = False  # the lead is the body's first paragraph (hanoi.gov.vn)
    title_suffix: str | None = None       # regex stripped from the end of the title

    def but(self, **changes) -> "SiteRules":
        """A copy with some fields changed: how a site adjusts its family's rules."""
        return replace(self, **changes)


@dataclass
class Extracted:
    """What one page yields. `is_article` is False for listings, empty or broken pages."""
    title: str | None = None
    sapo: str | None = None
    body: str = ""
    author: str | None = None
    published_at: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    canonical_url: str | None = None
    method: str = "site"                  # "site" or "generic"
    not_article: bool = False             # the page says it is something else (og:type website)
    problems: list[str] = field(default_factory=list)

    @property
    def is_article(self) -> bool:
        """A title and a real body: not a listing, a video-only page or a "not found" page."""
        return bool(self.title) and len(self.body) >= MIN_ARTICLE_CHARS and not self.not_article

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "title", "sapo", "body", "author", "published_at", "section", "tags",
            "image_url", "canonical_url", "method", "problems")}


# --- text helpers --------------------------------------------------------------------------

def clean_text(text: str | None) -> str:
    """NFC, non-breaking spaces and runs of white space folded to one space, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "")
    return re.sub(r"\s+", " ", text).strip()


def text_of(element) -> str:
    return clean_text(" ".join(element.itertext()))


@lru_cache(maxsize=1024)
def _compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def select(tree, selector: str) -> list:
    """`tree.cssselect(selector)`, with the selector compiled to XPath once per process (not on
    every page: compiling was a tenth of the extraction's time)."""
    return _compiled(selector)(tree)


def first_text(tree, selectors) -> str | None:
    for selector in selectors:
        for element in select(tree, selector):
            text = text_of(element)
            if text:
                return text
    return None


def paragraphs(container) -> list[str]:
    """The text of `container` as paragraphs: one per innermost block element, in page order.

    Text directly inside a block that also holds blocks (loose text) is its own paragraph.
    Attributes (image alt, title) are never text.
    """
    out: list[str] = []

    def walk(element):
        buffer: list[str] = []

        def flush():
            text = clean_text(" ".join(buffer))
            if text:
                out.append(text)
            buffer.clear()

        if element.text:
            buffer.append(element.text)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIP_TAGS:
                pass
            elif child.tag in BLOCK_TAGS and _has_text(child):
                flush()
                if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in child.iterdescendants()):
                    walk(child)
                else:
                    text = text_of(child)
                    if text:
                        out.append(text)
            else:
                buffer.append(" ".join(child.itertext()))
            if child.tail:
                buffer.append(child.tail)
        flush()

    walk(container)
    return out


def _has_text(element) -> bool:
    return any(t.strip() for t in element.itertext())


# --- dates ---------------------------------------------------------------------------------

def parse_vietnamese_datetime(text: str | None) -> str | None:
    """'26/01/2021 11:00', '08:49 | 06/08/2021', '(17:54 11/06/2019)' -> ISO 8601 at +07:00.

    Without a time of day, only the date is returned ('2021-01-26'): precision is never invented.
    """
    if not text:
        return None
    date = DATE.search(text)
    if not date:
        return None
    day, month, year = (int(g) for g in date.groups())
    rest = text[:date.start()] + " " + text[date.end():]
    time = TIME.search(rest)
    try:
        if time:
            hour, minute = int(time.group(1)), int(time.group(2))
            return datetime(year, month, day, hour, minute, tzinfo=VIETNAM).isoformat()
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None


def parse_iso_datetime(value: str | None) -> str | None:
    """An ISO 8601 stamp from page metadata, expressed at +07:00 (naive stamps are Vietnam time)."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return parse_vietnamese_datetime(value)
    if len(value) <= 10:
        return stamp.date().isoformat()
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=VIETNAM)
    return stamp.astimezone(VIETNAM).replace(microsecond=0).isoformat()


# --- page metadata (og:, article:, JSON-LD) ------------------------------------------------

@dataclass
class PageMeta:
    title: str | None = None
    description: str | None = None
    type: str | None = None               # og:type
    canonical: str | None = None
    image: str | None = None
    published: str | None = None
    section: str | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)


def page_metadata(tree) -> PageMeta:
    # {(attribute, value): [content, ...]} of every <meta> with a content, in page order: one
    # pass, instead of compiling and running an XPath per name and attribute
    metas: dict[tuple[str, str], list[str]] = {}
    for element in tree.getroottree().iter("meta"):     # all of the document, as //meta
        content = element.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop"):
            value = element.get(attr)
            if value is not None:
                metas.setdefault((attr, value), []).append(content)

    def meta(*names):
        for name in names:
            for attr in ("property", "name", "itemprop"):
                found = metas.get((attr, name))
                if found and found[0].strip():
                    return clean_text(found[0])
        return None

    info = PageMeta(
        title=meta("og:title", "twitter:title") or first_text(tree, ["title"]),
        description=meta("og:description", "description"),
        type=meta("og:type"),
        image=meta("og:image"),
        published=parse_iso_datetime(meta("article:published_time", "datePublished",
                                          "pubdate", "publishdate")),
        section=meta("article:section"),
        author=meta("author", "article:author"),
        tags=[clean_text(t) for t in tree.xpath('//meta[@property="article:tag"]/@content')],
    )
    canonical = tree.xpath('//link[@rel="canonical"]/@href') or tree.xpath(
        '//meta[@property="og:url"]/@content')
    info.canonical = canonical[0].strip() if canonical else None
    if not info.tags and meta("keywords", "news_keywords"):
        info.tags = [clean_text(t) for t in meta("keywords", "news_keywords").split(",") if t.strip()]
    for node in _json_ld(tree):
        if not isinstance(node, dict) or not str(node.get("@type", "")).endswith("Article"):
            continue
        info.published = info.published or parse_iso_datetime(node.get("datePublished"))
        info.title = info.title or clean_text(node.get("headline"))
        info.section = info.section or clean_text(str(node.get("articleSection") or "")) or None
        author = node.get("author")
        if isinstance(author, list):
            author = author[0] if author else None
        if isinstance(author, dict):
            author = author.get("name")
        info.author = info.author or (clean_text(author) if isinstance(author, str) else None)
    return info


def _json_ld(tree):
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for node in data if isinstance(data, list) else data.get("@graph", [data]):
            yield node


# --- the two paths -------------------------------------------------------------------------

def parse_html(html: str | bytes):
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        raise ValueError("empty page")
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    return lxml.html.fromstring(html)


def extract_article(html: str | bytes, url: str | None = None,
                    rules: SiteRules | None = None) -> Extracted:
    """Extract the article on one page. `rules` None means the generic (trafilatura) path."""
    tree = parse_html(html)
    meta = page_metadata(tree)
    if rules is None:
        result = _extract_generic(html, url, meta)
    else:
        result = _extract_with_rules(tree, meta, rules)
    result.canonical_url = meta.canonical
    result.image_url = result.image_url or meta.image
    return result


def _extract_with_rules(tree, meta: PageMeta, rules: SiteRules) -> Extracted:
    result = Extracted(method="site")
    for selector in rules.noise:
        for element in select(tree, selector):
            if element.getparent() is not None:
                element.drop_tree()

    title = first_text(tree, rules.title) or meta.title
    if title and rules.title_suffix:
        title = re.sub(rules.title_suffix + r"\s*$", "", title).strip()
    result.title = title or None
    if not rules.title or not first_text(tree, rules.title):
        result.problems.append("title selector matched nothing")

    date_text = " ".join(t for t in (first_text(tree, [s]) for s in rules.date) if t)
    result.published_at = parse_vietnamese_datetime(date_text) or meta.published

    container = None
    for selector in rules.body:
        found = select(tree, selector)
        if found:
            container = found[0]
            break
    if container is None:
        result.problems.append("body selector matched nothing")
        return result

    author_el = None
    for selector in rules.author:
        found = select(tree, selector)
        if found:
            author_el = found[-1]
            break
    if author_el is not None:
        result.author = text_of(author_el) or None
        _drop_block(author_el, container)
    else:
        result.author = meta.author

    images = [img.get("data-src") or img.get("src") for img in container.iter("img")]
    result.image_url = next((i for i in images if i and not i.startswith("data:")), None)

    sapo = first_text(tree, rules.sapo)
    texts = [t for t in paragraphs(container) if not FILE_NAME.match(t)]
    if rules.sapo_is_first_paragraph and texts and not sapo:
        sapo = texts.pop(0)
    if sapo and rules.sapo_prefix:
        sapo = re.sub(r"^\s*(?:" + rules.sapo_prefix + r")\s*", "", sapo).strip()
    if sapo and texts and _same_text(texts[0], sapo):
        texts.pop(0)
    result.sapo = sapo or None
    result.body = "\n\n".join(texts)

    result.tags = [t for t in (text_of(a) for s in rules.tags for a in select(tree, s)) if t] \
        or meta.tags
    sections = [text_of(e) for s in rules.section for e in select(tree, s)]
    result.section = next((s for s in reversed(sections) if s), None) or meta.section
    return result


def _drop_block(element, container):
    """Remove `element` with its enclosing paragraph, if that paragraph is inside `container`."""
    block = element
    while block.getparent() is not None and block.getparent() is not container \
            and block.tag not in ("p", "div"):
        block = block.getparent()
    if any(a is container for a in block.iterancestors()):
        block.drop_tree()


def _same_text(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\W+", " ", s).strip().lower()
    return norm(a).endswith(norm(b)) or norm(b) == norm(a)


def _extract_generic(html, url, meta: PageMeta) -> Extracted:
    document = trafilatura.bare_extraction(
        html, url=url, include_comments=False, with_metadata=True)
    result = Extracted(method="generic", published_at=meta.published, section=meta.section,
                       tags=meta.tags, sapo=meta.description,
                       not_article=meta.type not in (None, "article"))
    if document is None:
        result.title = meta.title
        result.problems.append("trafilatura found no main text")
        return result
    lines = [clean_text(line) for line in (document.text or "").splitlines()]
    result.body = "\n\n".join(line for line in lines if line)
    result.title = meta.title or clean_text(document.title) or None
    result.author = meta.author or clean_text(document.author) or None
    result.image_url = meta.image or document.image
    return result
