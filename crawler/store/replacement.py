"""Is a page read under a stored article's URL a revision of it, or another article put at the
same address? (NewsDB.store_article keeps the latter aside as `suspicious_replacement`, never
as a version.)"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from crawler.dedup import shingles

if TYPE_CHECKING:
    from crawler.items import Article

# A change that keeps less than this share of the stored text's word triples, with another
# title, is another article under the same address, not a revision (see `replaces_another`).
REPLACEMENT_KEEPS = 0.5


def _folded(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").casefold())


def _triples(text: str | None) -> set[bytes]:
    """The text's word triples (dedup's shingles of 3 words), case folded."""
    return shingles(_folded(text), size=3)


def _words(text: str | None) -> list[str]:
    return re.findall(r"\w+", _folded(text))


def replaces_another(existing: dict, article: "Article") -> str | None:
    """Why storing `article` over the stored row `existing` would make a different article a
    "version" of it (None: a revision). Different site ids, or another title AND less than
    REPLACEMENT_KEEPS of the stored text's word triples kept."""
    if existing.get("article_id") and article.article_id \
            and existing["article_id"] != article.article_id:
        return (f"{existing['url']} holds article {existing['article_id']}; the page read there "
                f"is article {article.article_id}")
    if _words(existing.get("title")) == _words(article.title):
        return None
    old = _triples(existing.get("body"))
    if not old:
        return None
    kept = len(old & _triples(article.body)) / len(old)
    if kept >= REPLACEMENT_KEEPS:
        return None
    return (f"the title changed ({existing.get('title')!r} -> {article.title!r}) and only "
            f"{kept:.0%} of the text is kept: another article under the same address")
