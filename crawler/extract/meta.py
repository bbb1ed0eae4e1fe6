"""What a page says about itself in its head: og:/article:/name= meta, JSON-LD, canonical link.

Read in one pass over the <meta> elements; each value keeps the layer it came from ("meta" or
"jsonld", the vocabulary of `Extracted.extracted_by`)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from crawler.extract.dates import parse_iso_datetime, stated_zone
from crawler.extract.text import clean_text

ARTICLE_TYPES = ("Article", "NewsArticle", "ReportageNewsArticle", "BlogPosting",
                 "AnalysisNewsArticle", "OpinionNewsArticle", "LiveBlogPosting", "Report")


@dataclass
class PageMeta:
    title: str | None = None              # og:title / twitter:title
    headline: str | None = None           # JSON-LD headline
    title_tag: str | None = None          # <title>
    descriptions: list[str] = field(default_factory=list)   # og:description, description
    type: str | None = None               # og:type
    site_name: str | None = None          # og:site_name, application-name, JSON-LD publisher
    canonical: str | None = None
    image: str | None = None
    published: str | None = None
    published_by: str | None = None       # "meta", "jsonld" or "itemprop"
    modified: str | None = None           # article:modified_time, JSON-LD dateModified
    publisher: str | None = None          # JSON-LD publisher / Organization: never an author
    section: str | None = None
    section_by: str | None = None
    author: str | None = None
    author_by: str | None = None
    authors_stated: list[str] = field(default_factory=list)   # every name=author / article:author
    site_handle: str | None = None        # twitter:site without its "@": the publisher's account
    tags: list[str] = field(default_factory=list)
    jsonld_article: bool = False          # a JSON-LD node of an Article type
    jsonld_author: str | None = None      # the Article's author(s) in JSON-LD, people only
    zone: timezone | None = None          # the UTC offset the page's date metadata states


def page_metadata(tree) -> PageMeta:
    # One pass over the document's <meta>, <title>, <link> and <script> elements (all of the
    # document, as //meta ...), instead of a walk of the page for each kind or an XPath per name:
    # {(attribute, value): [content, ...]} of every <meta> with a content, in page order; the
    # <title>s; the hrefs of rel="canonical" links, the og:url contents; the JSON-LD texts.
    metas: dict[tuple[str, str], list[str]] = {}
    titles, canonicals, og_urls, json_texts = [], [], [], []
    for element in tree.getroottree().iter("meta", "title", "link", "script"):
        tag = element.tag
        if tag == "meta":
            content = element.get("content")
            if content is None:
                continue
            for attr in ("property", "name", "itemprop"):
                value = element.get(attr)
                if value is not None:
                    metas.setdefault((attr, value.lower()), []).append(content)
            if element.get("property") == "og:url":
                og_urls.append(content)
        elif tag == "title":
            titles.append(element)
        elif tag == "link":
            href = element.get("href")
            if href is not None and element.get("rel") == "canonical":
                canonicals.append(href)
        elif element.get("type") == "application/ld+json" and element.text is not None:
            json_texts.append(element.text)

    def meta(*names):
        for name in names:
            for attr in ("property", "name", "itemprop"):
                found = metas.get((attr, name))
                if found and found[0].strip():
                    return clean_text(found[0])
        return None

    info = PageMeta(
        title=meta("og:title", "twitter:title"),
        title_tag=clean_text(titles[0].text_content()) if titles else None,
        type=meta("og:type"),
        site_name=meta("og:site_name", "application-name"),
        image=meta("og:image"),
        section=meta("article:section"),
        author=meta("author", "article:author"),
        site_handle=(meta("twitter:site") or "").lstrip("@") or None,
        tags=[clean_text(t) for t in metas.get(("property", "article:tag"), []) if t.strip()],
    )
    # a naive stamp is in the zone the page's other stamps state (a page in Germany that
    # writes "2024-08-05 20:59:59" in one place and "+02:00" in another), else Vietnam time
    nodes = [n for n in _json_ld(json_texts) if isinstance(n, dict)]
    raw_published = meta("article:published_time", "datepublished", "pubdate", "publishdate")
    raw_modified = meta("article:modified_time", "datemodified", "og:updated_time", "lastmod")
    raw_published = _local_not_utc(raw_published, [_str(n.get("datePublished")) for n in nodes])
    raw_modified = _local_not_utc(raw_modified, [_str(n.get("dateModified")) for n in nodes])
    zone = stated_zone(raw_published, raw_modified,
                       *(_str(n.get(k)) for n in nodes for k in ("datePublished", "dateModified")))
    info.zone = zone
    info.published = parse_iso_datetime(raw_published, zone)
    info.published_by = "meta" if info.published else None
    info.modified = parse_iso_datetime(raw_modified, zone)
    info.section_by = "meta" if info.section else None
    # every stated value, in page order: a page may state the publisher first and the writer
    # after it (<meta name=author content=Publisher> <meta name=author content="Name">)
    info.authors_stated = list(dict.fromkeys(
        clean_text(v) for name in ("author", "article:author") for attr in ("name", "property")
        for v in metas.get((attr, name), []) if v.strip() and not v.strip().startswith("http")))
    for number in range(1, 5):
        label, data = meta(f"twitter:label{number}"), meta(f"twitter:data{number}")
        if label and data and WRITTEN_BY.match(label) and data not in info.authors_stated:
            info.authors_stated.append(data)
    if info.author and info.author.startswith("http"):
        info.author = None                  # article:author is often a profile URL
    info.author = info.author or next(iter(info.authors_stated), None)
    info.author_by = "meta" if info.author else None
    info.jsonld_author = None
    for name in ("og:description", "description", "twitter:description"):
        value = meta(name)
        if value and value not in info.descriptions:
            info.descriptions.append(value)
    canonical = canonicals or og_urls
    info.canonical = canonical[0].strip() if canonical else None
    if not info.tags and meta("keywords", "news_keywords"):
        info.tags = [clean_text(t) for t in meta("keywords", "news_keywords").split(",") if t.strip()]
    for node in nodes:
        kind = node.get("@type", "")
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(str(k) in ARTICLE_TYPES or str(k).endswith("Article") for k in kinds):
            if str(kinds[0]) in ("WebSite", "Organization", "NewsMediaOrganization"):
                info.site_name = info.site_name or _name(node.get("name"))
                info.publisher = info.publisher or _name(node.get("name"))
            continue
        info.jsonld_article = True
        if not info.published:
            info.published = parse_iso_datetime(_str(node.get("datePublished")), zone)
            info.published_by = "jsonld" if info.published else None
        info.headline = info.headline or clean_text(_str(node.get("headline"))) or None
        if not info.section:
            info.section = clean_text(_str(node.get("articleSection"))) or None
            info.section_by = "jsonld" if info.section else None
        if not info.jsonld_author:
            info.jsonld_author = _names(node.get("author"), people_only=True)
        info.site_name = info.site_name or _name(node.get("publisher"))
        info.publisher = info.publisher or _name(node.get("publisher"))
        info.modified = info.modified or parse_iso_datetime(_str(node.get("dateModified")), zone)
    if not info.author and info.jsonld_author:
        info.author, info.author_by = info.jsonld_author, "jsonld"
    return info


def _local_not_utc(stated: str | None, others: list[str]) -> str | None:
    """A stamp marked UTC ("Z", "+00:00") whose clock time another statement of the same stamp
    gives with the page's own offset ("20:00:27Z" in meta, "20:00:27+02:00" in JSON-LD): the CMS
    wrote local time with a UTC mark, the other statement is the instant."""
    value = _aware(stated)
    if value is None or value.utcoffset() != timedelta(0):
        return stated
    for other in others:
        local = _aware(other)
        if local is not None and local.utcoffset() != timedelta(0) and \
                local.replace(tzinfo=None, second=0, microsecond=0) == \
                value.replace(tzinfo=None, second=0, microsecond=0):
            return other
    return stated


def _aware(value: str | None) -> datetime | None:
    try:
        found = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def _str(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _name(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return clean_text(value) or None if isinstance(value, str) else None


def _names(value, people_only: bool = False) -> str | None:
    """JSON-LD author(s): one name, or several joined with ", " (`people_only`: not an
    Organization, which is the publisher or an agency)."""
    values = value if isinstance(value, list) else [value]
    if people_only:
        values = [v for v in values if not (isinstance(v, dict) and (
            str(v.get("@type", "")) in ("Organization", "NewsMediaOrganization")
            or house_account(_str(v.get("url")) or _str(v.get("@id")))))]
    found = [n for n in (_name(v) for v in values) if n]
    return ", ".join(dict.fromkeys(found)) or None


# the path of a CMS's default account ("/author/admin/"): what it signs is the house's, not a
# person's (a desk's account, "/author/redaktion/", may show its writer's name: not listed)
HOUSE_ACCOUNT = re.compile(r"/(?:author|authors|user|users|profile|members?|autor|auteur)/"
                           r"(?:admin|administrator|webmaster)(?:[/?#]|$)", re.I)
# the "Written by" pair an SEO plugin states (twitter:label1 / twitter:data1), in any language
WRITTEN_BY = re.compile(r"^\W*(?:written by|verfasst von|geschrieben von|escrito por|écrit par|"
                        r"scritto da|geschreven door|author|autor|auteur|tác giả|người viết)\W*$",
                        re.I)


def house_account(url: str | None) -> bool:
    return bool(url) and bool(HOUSE_ACCOUNT.search(url))


def _json_ld(texts):
    """The nodes of the page's JSON-LD (the texts of its <script type="application/ld+json">)."""
    for script in texts:
        try:
            data = json.loads(script)
        except ValueError:
            continue
        nodes = data if isinstance(data, list) else (data.get("@graph") or [data]) \
            if isinstance(data, dict) else []
        for node in nodes:
            yield node
            entity = node.get("mainEntity") if isinstance(node, dict) else None
            for inner in entity if isinstance(entity, list) else [entity]:
                if isinstance(inner, dict):         # WebPage -> mainEntity: NewsArticle
                    yield inner
