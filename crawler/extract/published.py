"""The publication date of an article page, layer by layer (crawler/extraction.py reads the page
once and calls `read_date`): the site's rule, the page's date markers and attributes next to the
headline, meta / JSON-LD, a visible stamp, the modified date, the feed's or sitemap's date,
htmldate, and last a relative stamp counted back from the fetch time (marked approximate).
"""
from __future__ import annotations

from crawler.extract import signals
from crawler.extract.dates import (better_date, element_date, has_time, page_zone,
                                   parse_date_text, parse_iso_datetime)
from crawler.extract.text import SKIP_TAGS, clean_text, select, text_of


def read_date(page) -> None:
    """The date layers, each read with crawler/extract/dates.py, until one gives a time: the
    site rule; the page's metadata (article:published_time, JSON-LD, itemprop=datePublished);
    the CMS's date marker next to the headline (its title= / data-* attributes before its
    text); <time datetime>; a visible date line next to the headline; a time held in an
    attribute there (abbr[title], data-*); then, for a page that states no date of publication:
    its modified date, the date its feed or sitemap gave (`listed_date`), htmldate; last, a
    relative stamp ("3 giờ trước") counted back from the fetch time, marked approximate.
    A time shown without a zone is in the zone the page's metadata states (`dates.page_zone`)."""
    with page_zone(page.meta.zone):
        _read_date(page)


def _read_date(page) -> None:
    rules, meta = page.rules, page.meta
    elements = []
    for selector in rules.date:
        element = next((e for e in select(page.tree, selector)
                        if not signals.inside(e, page.container) and _shown(e)
                        and (e.tag == "meta" or not signals.in_teaser(e))), None)
        if element is not None:
            elements.append(element)
    date = None
    if len(elements) == 1:
        date = element_date(elements[0])
    elif elements:                      # the day and the time in two elements
        date = parse_date_text(" ".join(_shown(e) for e in elements))
    layer = "rule" if date else None
    if not date:
        page.missed("date")
    headline = page.headline if page.headline is not None else page.first_h1()
    text = _text_start(page, headline)
    near = (page.tree, headline, text, page.order)
    layers = ((meta.published_by, lambda: meta.published),
              ("itemprop", lambda: _itemprop_date(page)),
              ("family-marker", lambda: signals.marker_date(*near)),
              ("time-element", lambda: signals.time_element_date(*near)),
              ("header-stamp", lambda: signals.header_stamp(*near)),
              ("attribute", lambda: signals.attribute_date(*near)))
    stated_only = ((f"{meta.published_by or 'meta'}-modified", lambda: meta.modified),
                   ("listed", lambda: parse_iso_datetime(page.listed_date)),
                   ("htmldate", lambda: _htmldate(page) if page.found.method == "generic"
                    else None))                                 # a page of no known site
    for name, read in layers:
        if has_time(date):
            break
        value = read()
        if value and better_date(date, value) != date:
            date, layer = better_date(date, value), name
    for name, read in stated_only:
        if date:
            break
        value = read()
        if value:
            date, layer = value, name
    if not date:
        date = signals.relative_stamp(*near, page.fetched_at)
        layer = "relative-stamp (approximate)"
    page.found.published_at = date
    page.answer("published_at", layer if date else None)


def _itemprop_date(page) -> str | None:
    """itemprop="datePublished" on any element (a <time>, a <span content=...>)."""
    for element in page.tree.iter():
        if isinstance(element.tag, str) and element.get("itemprop") == "datePublished":
            value = element_date(element)
            if value:
                return value
    return None


def _htmldate(page) -> str | None:
    """htmldate's reading of the page (URL, markup, its own heuristics; the original date, no
    search of the text), for a page of no known site that none of our layers found a date on;
    never a date that only a teaser box shows (another article's)."""
    try:
        from htmldate import find_date
        found = find_date(page.html, url=page.url, original_date=True, extensive_search=False,
                          outputformat="%Y-%m-%d")
    except Exception:      # htmldate must never break a page's reading
        return None
    if not found:
        return None
    in_teasers = False                     # a teaser's date is another article's date
    for element in page.tree.iter():
        if not isinstance(element.tag, str) or element.tag in SKIP_TAGS:
            continue
        direct = (element.text or "") + "".join(c.tail or "" for c in element)
        if found[:4] in direct and (parse_date_text(direct) or "")[:10] == found:
            if not signals.in_teaser(element):
                return found                   # the page shows it outside any teaser
            in_teasers = True
    return None if in_teasers else found


def _text_start(page, headline):
    """Where the article's text starts, for "a date next to the headline, not in the text": the
    text's container, or its first paragraph when that container also holds the headline."""
    container = page.container
    if container is not None and (headline is None or not signals.inside(headline, container)):
        return container
    return next((e for _, e in page.blocks if e is not None), None)


def _shown(element) -> str:
    """What a date element states: a <meta>'s content, a datetime attribute, else its text."""
    if element.tag == "meta":
        return clean_text(element.get("content"))
    return clean_text(element.get("datetime")) or text_of(element)
