"""The article URL pattern of a site, inferred from the shapes of its links.

Each link's path is read as a sequence of segment kinds:

    year (2026)  num2 (11, 07)  id (48213: four digits or more)  word (cong-doan, detail, tin-tuc)
    slug-id (hoi-nghi-cong-nhan-185000.html, slug-post403999.html, 58213-hoi-nghi.html,
             slug_705300.htm: a slug with a number of four digits or more at either end)
    slug (a slug of four words or more, with or without an extension)

A run of words is one "words" kind (sections nest to any depth). Links sharing a sequence of
kinds share a shape; a shape is an article shape when it carries an id (`slug-id`, or `id` after a
word, as in `/detail/<id>/`) or a date with a slug (`/YYYY/MM/DD/<slug>/`, WordPress's
permalinks, where the article's key is its path). The shape with the most distinct links wins,
links met in feeds and sitemaps counting double (they list articles, never sections), and it is
checked against them: how many of their links it matches says how sure the inference is.

`infer(links_by_source)` -> `Shape` (its regex for `article_url`, a description, the evidence).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

YEAR = re.compile(r"^(?:19|20)\d\d$")
NUM2 = re.compile(r"^\d{1,2}$")
ID = re.compile(r"^\d{4,}$")
# a slug with the id at its end (slug-123456, slug-post123456, slug_123456) or its start
# (123456-slug), and an optional extension
SLUG_ID_END = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9\-_]*?)(?P<sep>[-_])(?P<prefix>[a-z]{0,6})"
                         r"(?P<id>\d{4,})(?P<ext>\.[a-z0-9]{2,5})?$")
SLUG_ID_START = re.compile(r"^(?P<id>\d{4,})(?P<sep>[-_])(?P<slug>[a-z][a-z0-9\-_]*?)"
                           r"(?P<ext>\.[a-z0-9]{2,5})?$")
SLUG = re.compile(r"^(?P<slug>[a-z0-9]+(?:[-_][a-z0-9]+){3,})(?P<ext>\.[a-z0-9]{2,5})?$")
WORD = re.compile(r"^[a-z0-9\-_.~]+$")
NOT_PAGES = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|pdf|docx?|xlsx?|zip|rar|mp4|mp3|css|js|xml|rss)$",
                       re.I)


@dataclass(frozen=True)
class Segment:
    kind: str                    # year | num2 | id | slug-id | slug | words
    text: str = ""               # the segment as written ("detail", "cong-doan/tin-tuc")
    sep: str = ""                # slug-id: "-" or "_"
    prefix: str = ""             # slug-id: letters glued to the id ("post")
    ext: str = ""                # ".html"
    id_first: bool = False       # slug-id: the id leads (123-slug)
    digits: int = 0              # length of the id


def segments(path: str) -> list[Segment] | None:
    """The kinds of a path's segments (None: not a page, e.g. an image or a PDF)."""
    if NOT_PAGES.search(path):
        return None
    originals = [p for p in path.split("/") if p]
    out: list[Segment] = []
    for i, original in enumerate(originals):
        part = original.lower()
        if YEAR.match(part):
            seg = Segment("year", part)
        elif NUM2.match(part):
            seg = Segment("num2", part)
        elif ID.match(part):
            seg = Segment("id", part, digits=len(part))
        elif (m := SLUG_ID_END.match(part)) and re.search(r"[a-z]", m.group("slug")):
            seg = Segment("slug-id", part, m.group("sep"), m.group("prefix"), m.group("ext") or "",
                          digits=len(m.group("id")))
        elif m := SLUG_ID_START.match(part):
            seg = Segment("slug-id", part, m.group("sep"), "", m.group("ext") or "", True,
                          digits=len(m.group("id")))
        elif (m := SLUG.match(part)) and i == len(originals) - 1:
            seg = Segment("slug", part, ext=m.group("ext") or "")
        elif WORD.match(part):      # a section's name, however long (only the last is a slug)
            seg = Segment("words", original)
        else:
            return None
        if seg.kind == "words" and out and out[-1].kind == "words":
            out[-1] = Segment("words", out[-1].text + "/" + original)
        else:
            out.append(seg)
    return out


def shape_key(segs: list[Segment]) -> tuple:
    key = []
    for s in segs:
        if s.kind == "slug-id":
            key.append(("slug-id", s.sep, s.prefix, s.ext, s.id_first))
        elif s.kind == "slug":
            key.append(("slug", s.ext))
        else:
            key.append((s.kind,))
    return tuple(key)


def is_article_key(key: tuple) -> bool:
    kinds = [k[0] for k in key]
    if "slug-id" in kinds:
        return True
    for i, kind in enumerate(kinds):       # /detail/<id>/, /tin/<id>/<slug>
        if kind == "id" and i > 0 and kinds[i - 1] == "words":
            return True
    # /YYYY/MM/DD/<slug>/ or /YYYY/MM/<slug>/
    text = " ".join(kinds)
    return bool(re.search(r"year num2 (?:num2 )?(?:words )?slug$", text))


@dataclass
class Shape:
    pattern: str                           # the regex for `article_url`
    description: str                       # "/<section>/<slug>-<id>.html (numeric id)"
    has_id: bool
    counts: dict = field(default_factory=dict)     # source -> (matched, article-like links)
    examples: list = field(default_factory=list)
    confidence: str = "unsure"             # sure | fairly sure | unsure
    evidence: str = ""

    def matches(self, url: str) -> bool:
        return re.search(self.pattern, url) is not None


def _words_regex(texts: set[str]) -> tuple[str, str]:
    """(regex, description) of a run of word segments: literal when every link has the same."""
    if len(texts) == 1:
        only = next(iter(texts))
        return re.escape(only) + "/", only + "/"
    return r"(?:[A-Za-z0-9\-_.~]+/)+", "<section>/"


def build(key: tuple, members: list[list[Segment]]) -> Shape:
    parts, desc = [], []
    # the id: the last numeric column whose value varies (an earlier or constant number is a
    # section's: hanoi.gov.vn's /7320/<id>/1/); the other numeric columns stay numbers or literals
    varying = [i for i, kind in enumerate(key) if kind[0] in ("id", "slug-id")
               and len({m[i].text for m in members}) > 1]
    id_column = varying[-1] if varying else None
    has_id = id_column is not None
    num2_seen = 0
    for i, kind in enumerate(key):
        column = [m[i] for m in members]
        last = i == len(key) - 1
        group = "?P<id>" if i == id_column else ""
        if kind[0] == "id" and len({s.text for s in column}) == 1 and len(column) > 1:
            kind = ("words",)
        if kind[0] == "words":
            regex, text = _words_regex({s.text for s in column})
            if last:                     # an article shape never ends in words; keep it literal
                regex, text = regex[:-1], text[:-1]
            parts.append(regex)
            desc.append(text)
            continue
        if kind[0] == "year":
            parts.append(r"(?:19|20)\d\d")
            desc.append("YYYY")
        elif kind[0] == "num2":
            parts.append(r"\d{1,2}")
            desc.append(("MM", "DD", "N")[min(num2_seen, 2)])
            num2_seen += 1
        elif kind[0] == "id":
            lo = min(s.digits for s in column)
            parts.append(rf"({group}\d{{{lo},}})")
            desc.append("<id>" if group else "<number>")
        elif kind[0] == "slug-id":
            _, sep, prefix, ext, id_first = kind
            lo = min(s.digits for s in column)
            number = rf"({group}\d{{{lo},}})"
            slug = r"[A-Za-z0-9][A-Za-z0-9\-_]*"
            sep_re = re.escape(sep)
            parts.append((number + sep_re + slug) if id_first else (slug + sep_re + re.escape(prefix) + number))
            parts[-1] += re.escape(ext)
            desc.append((f"<id>{sep}<slug>" if id_first else f"<slug>{sep}{prefix}<id>") + ext)
        elif kind[0] == "slug":
            parts.append(r"[A-Za-z0-9][A-Za-z0-9\-_]*" + re.escape(kind[1]))
            desc.append("<slug>" + kind[1])
        if not last:
            parts[-1] += "/"
            desc[-1] += "/"
    # a trailing slash as the links write it (WordPress permalinks end with one)
    pattern = r"^https?://[^/]+/" + "".join(parts)
    description = "/" + "".join(desc)
    return Shape(pattern=pattern, description=description, has_id=has_id)


def _with_trailing_slash(shape: Shape, urls: list[str]) -> Shape:
    ends = Counter(urlsplit(u).path.endswith("/") for u in urls)
    if ends[True] and not ends[False]:
        shape.pattern += "/$"
        shape.description += "/"
    elif ends[True]:
        shape.pattern += "/?$"
        shape.description += "(/)"
    else:
        shape.pattern += "$"
    return shape


def infer(links: dict[str, list[str]]) -> tuple[Shape | None, list[tuple[str, int]]]:
    """The article shape of a site from its links, per source ("home", "feed", "sitemap",
    "section"): (the best shape or None, [(description, distinct links)] of the article shapes
    considered, best first)."""
    groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    segs_of: dict[str, list[Segment]] = {}
    for source, urls in links.items():
        for url in dict.fromkeys(urls):
            parts = urlsplit(url)
            if parts.query or parts.scheme not in ("http", "https"):
                continue
            segs = segments(parts.path)
            if not segs:
                continue
            key = shape_key(segs)
            if is_article_key(key):
                segs_of[url] = segs
                groups[key][source].append(url)
    if not groups:
        return None, []

    def weight(by_source: dict[str, list]) -> float:
        distinct = {u for urls in by_source.values() for u in urls}
        listed = {u for s in ("feed", "sitemap") for u in by_source.get(s, [])}
        return len(distinct) + len(listed)

    ranked = sorted(groups.items(), key=lambda kv: -weight(kv[1]))
    considered, best = [], None
    for key, by_source in ranked:
        urls = list(dict.fromkeys(u for us in by_source.values() for u in us))
        built = build(key, [segs_of[u] for u in urls])
        considered.append((built.description, len(urls)))
        best = best or (built, urls)
    shape, urls = best
    shape = _with_trailing_slash(shape, urls)
    shape.examples = urls[:3]
    return shape, considered


def evidence(shape: Shape, links: dict[str, list[str]]) -> None:
    """How many links of each source the shape matches; sets `counts`, `confidence`, `evidence`.
    Feeds and sitemaps list articles: their share matched is the check. Home and section pages
    also link sections and pages, so only the number of matches is told."""
    parts = []
    for source in ("home", "section", "feed", "sitemap"):
        urls = list(dict.fromkeys(u for u in links.get(source, []) if not NOT_PAGES.search(u)))
        if not urls:
            continue
        matched = sum(shape.matches(u) for u in urls)
        shape.counts[source] = (matched, len(urls))
        noun = {"home": "home-page links", "section": "section-page links",
                "feed": "feed entries", "sitemap": "sitemap URLs"}[source]
        parts.append(f"{matched} of {len(urls)} {noun}")
    listed = [shape.counts[s] for s in ("feed", "sitemap") if s in shape.counts]
    seen = sum(m for m, _ in shape.counts.values())
    if listed:
        share = sum(m for m, _ in listed) / max(1, sum(n for _, n in listed))
        shape.confidence = "sure" if share >= 0.8 and seen >= 10 else (
            "fairly sure" if share >= 0.5 else "unsure")
        parts.append(f"{share:.0%} of the feed and sitemap links match")
    else:
        shape.confidence = "fairly sure" if seen >= 10 else "unsure"
        parts.append("no feed or sitemap to check it against")
    shape.evidence = "; ".join(parts)
