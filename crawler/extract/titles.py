"""The title's signals: the site's own name in a title suffix, and the element showing the headline.

Layout-independent, like crawler/extract/signals.py: a trailing " | Site" segment that names the
site (its declared names, og:site_name, the host) or that other pages of the same host also end
with (`SITE_SUFFIXES`, learned from every page this process reads), and the <h1> (or first
heading or block) that shows the title.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from crawler.extract.dates import parse_date_text
from crawler.extract.signals import BRACKETED, is_furniture
from crawler.extract.text import ascii_letters, folded, text_of

SEPARATOR = re.compile(r"\s+[|–—\-:»·*•]\s+|\s*[|｜ㅣ：]\s*|\s+[–—]\s*|\s*[–—]\s+|(?<=\w)-\s+")


def name_key(name: str | None) -> str:
    """A name for comparing: its ASCII letters ('Báo Lào Cai' -> 'baolaocai'), or its folded
    letters when it has none ('朝日新聞デジタル')."""
    return ascii_letters(name) or folded(name).replace(" ", "")


def site_identities(names, url: str | None) -> set[str]:
    """Spellings of a site's name to recognise in a title suffix: its declared names and host."""
    return set(_identities(tuple(n for n in names if n), urlsplit(url or "").hostname or ""))


@lru_cache(maxsize=512)
def _identities(names: tuple[str, ...], host: str) -> frozenset[str]:
    found = {name_key(n) for n in names}
    labels = [l for l in host.lower().split(".") if l not in ("www", "m")]
    if labels:
        found.add(ascii_letters(labels[0]))
        found.add(ascii_letters(".".join(labels)))
    return frozenset(f for f in found if len(f) >= 2)


def strip_site_suffix(title: str | None, identities: set[str], headline: str | None) -> str | None:
    """'Headline | The Citizen' -> 'Headline': a trailing segment after | – — - is dropped when it
    names the site (og:site_name, the host) or when what stays before it is the page's <h1>."""
    if not title:
        return title
    for match in SEPARATOR.finditer(title):
        before, after = title[:match.start()].strip(), title[match.end():].strip()
        if not before:
            continue
        first = name_key(SEPARATOR.split(after)[0])
        names_site = bool(first) and any(first == i or (len(first) >= 4 and i.startswith(first))
                                         or (len(i) >= 4 and first.startswith(i))
                                         for i in identities)
        if names_site or (headline and folded(before) == folded(headline)):
            return before
    return title


class SiteSuffixes:
    """What the titles of a site's pages end with: the trailing " - X" / " | X" segment that the
    <title>s of at least `shared` other pages of the same host end with is the site's name,
    whatever language it is in and whether or not the page states it elsewhere.

    Learned from the <title> of every page this process reads (`extract_article` feeds it): in a
    crawl, the first pages of a new site keep such a suffix until enough pages tell it; a
    re-extraction of the stored pages (`newscrawl reextract`) cuts it from them too. Per
    process, bounded (`max_hosts`, a few titles per segment)."""

    def __init__(self, shared: int = 2, max_hosts: int = 5000):
        self.shared = shared
        self.max_hosts = max_hosts
        self._seen: dict[str, dict[str, set[str]]] = {}   # host -> segment key -> titles

    def learn(self, url: str | None, title: str | None) -> None:
        host = (urlsplit(url or "").hostname or "").lower().removeprefix("www.")
        if not host or not title:
            return
        segments = self._seen.get(host)
        if segments is None:
            if len(self._seen) >= self.max_hosts:
                return
            segments = self._seen[host] = {}
        for key, before in _trailing_segments(title):
            titles = segments.setdefault(key, set())
            if len(titles) <= self.shared:          # enough to decide: keep no more
                titles.add(before)

    def cut(self, url: str | None, title: str | None) -> str | None:
        """`title` without a trailing segment that other pages of its host end with too."""
        host = (urlsplit(url or "").hostname or "").lower().removeprefix("www.")
        segments = self._seen.get(host)
        if not segments or not title:
            return title
        for key, before in _trailing_segments(title):
            others = segments.get(key, set()) - {before}
            if len(others) >= self.shared:
                match = list(SEPARATOR.finditer(title))
                cut = next((title[:m.start()].strip() for m in match
                            if name_key(title[m.end():]) == key), None)
                if cut:
                    return cut
        return title

    def clear(self) -> None:
        self._seen.clear()


def _trailing_segments(title: str):
    """(key of the segment, folded title before it) for each trailing segment of one to eight
    words after a separator ("A - B | Site" -> "Site", "B | Site")."""
    for match in SEPARATOR.finditer(title):
        before, after = title[:match.start()].strip(), title[match.end():].strip()
        if before and after and len(after.split()) <= 8 and name_key(after):
            yield name_key(after), folded(before)


SITE_SUFFIXES = SiteSuffixes()


def find_headline(tree, title: str | None):
    """The element that shows the title: an <h1> saying it, else the first heading or block
    that starts with it (a headline may carry a bracketed date after it)."""
    if not title:
        return None
    wanted = folded(title)
    fallback = None
    for element in tree.iter("h1", "h2", "h3", "div", "p", "span", "strong"):
        text = folded(text_of(element))
        if text == wanted or (text.startswith(wanted) and len(text) <= len(wanted) + 30):
            if element.tag == "h1":
                return element
            if fallback is None and not is_furniture(element) and \
                    not any(a.tag in ("h1", "h2", "h3") for a in element.iterdescendants()):
                fallback = element
    return fallback


def without_stamp(title: str) -> str:
    """'Headline (06:00 20/11/2026)' -> 'Headline': a bracketed date after it is not the title."""
    stamp = BRACKETED.search(title)
    if stamp and parse_date_text(stamp.group(1)) and stamp.start() > 0:
        return title[:stamp.start()].strip()
    return title


def shown_headline(tree, stated: str | None, identities):
    """(element, title) of the visible element whose text begins with the stated title, tried
    whole and then without each trailing segment ('Headline - Site name'), or (None, None)."""
    if not stated:
        return None, None
    cuts = [stated] + [stated[:m.start()].strip() for m in
                       reversed(list(SEPARATOR.finditer(stated)))]
    for cut in cuts:
        if len(cut.split()) < 3 and len(cut) < 15:
            break
        element = find_headline(tree, cut)
        if element is not None:
            return element, without_stamp(cut)
    return None, None
