"""Replay pages in awkward encodings: what a crawl must still store right, in Unicode NFC.

`ReplayWeb(encodings=True)` adds one laodongthudo.vn article per variant below to the top of the
`/cong-doan` listing (real articles: generated text unlike the rest of the corpus, their own ids,
so `web.articles()` and each article's `expected()` hold their gold text). Only the bytes on the
wire differ from an ordinary page:

- ``cp1258``      `Content-Type: text/html; charset=windows-1258`, `<meta charset="windows-1258">`,
                  the page in Windows-1258: Vietnamese tone marks as combining characters (the
                  decoded text is *decomposed*), the way that code page writes Vietnamese;
- ``nocharset``   UTF-8 bytes, `Content-Type: text/html` with no charset and no meta charset;
- ``mismatch``    the header says `charset=iso-8859-1` (a web server's default), the page's meta
                  and its bytes are UTF-8;
- ``mismatch-1258`` the header says `charset=utf-8`, the meta and the bytes are Windows-1258;
- ``nfd``         UTF-8, declared right, but every character in Unicode NFD (decomposed).

    web = ReplayWeb(encodings=True)
    web.encoded                 # {article URL: variant}; web.articles() holds their gold text
"""
from __future__ import annotations

import copy
import re
import unicodedata

VARIANTS = ("cp1258", "nocharset", "mismatch", "mismatch-1258", "nfd")
SITE = "laodongthudo"
SECTION = ("Công đoàn", "/cong-doan")
FIRST_ID = 170101          # ids above the generated corpus's, one per variant

# Tone marks Windows-1258 writes as separate combining characters (grave, acute, tilde, hook
# above, dot below); the vowel shapes (â ê ô ă ơ ư) and đ are single bytes.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_META = re.compile(r'<meta charset="[^"]*">', re.I)


def to_cp1258(text: str) -> bytes:
    """`text` in Windows-1258 as Vietnamese pages write it: base letter (with its shape mark)
    followed by the combining tone mark. Characters the code page lacks become &#N; references."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258", errors="xmlcharrefreplace")


def encoded_articles(corpus_builder, seed: int = 1) -> list:
    """One new article per variant (deep copies of articles generated with another seed, so their
    text shares nothing with the main corpus), newest first, `kind` = "encoding-<variant>"."""
    from .corpus import article_url
    pool = [a for a in corpus_builder(len(VARIANTS) + 8, seed + 9000)[SITE]
            if not a.seed and not getattr(a, "copy_of", None) and a.author and a.published_at
            and a.kind in ("article", "plain", "figures", "related", "no-related")]
    if len(pool) < len(VARIANTS):
        pool = [a for a in corpus_builder(len(VARIANTS) + 20, seed + 9000)[SITE]
                if not a.seed and not getattr(a, "copy_of", None) and a.published_at]
    out = []
    for k, variant in enumerate(VARIANTS):
        art = copy.deepcopy(pool[k])
        art.article_id = str(FIRST_ID + k)
        art.url = article_url(SITE, art.title, art.article_id)
        art.section, art.section_path = SECTION
        art.kind = f"encoding-{variant}"
        art.related_titles = []
        out.append(art)
    return out


def encode_page(variant: str, html: str, headers: list[tuple[str, str]]):
    """(headers, body bytes) of the page `html` (UTF-8 markup) served as `variant`."""
    headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
    if variant == "cp1258":
        html = _META.sub('<meta charset="windows-1258">', html, count=1)
        return headers + [("Content-Type", "text/html; charset=windows-1258")], to_cp1258(html)
    if variant == "nocharset":
        html = _META.sub("", html, count=1)
        return headers + [("Content-Type", "text/html")], html.encode("utf-8")
    if variant == "mismatch":
        return headers + [("Content-Type", "text/html; charset=iso-8859-1")], html.encode("utf-8")
    if variant == "mismatch-1258":
        html = _META.sub('<meta charset="windows-1258">', html, count=1)
        return headers + [("Content-Type", "text/html; charset=utf-8")], to_cp1258(html)
    if variant == "nfd":
        return (headers + [("Content-Type", "text/html; charset=utf-8")],
                unicodedata.normalize("NFD", html).encode("utf-8"))
    raise ValueError(f"unknown encoding variant {variant!r}; known: {', '.join(VARIANTS)}")
