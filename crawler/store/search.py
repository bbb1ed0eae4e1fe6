"""Full-text search over the articles, for Vietnamese with or without diacritics, in milliseconds.

``articles_fts`` is an SQLite FTS5 index over each article's title, sapo (lead) and body as
written (tokenizer ``unicode61 remove_diacritics 0``: lower case only, "Công đoàn" is indexed as
``công đoàn``), external content ``articles`` (the text is not stored twice), each word with the
columns it occurs in but not its positions (``DETAIL``: the queries here need no phrase). SQL triggers on
``articles`` keep it in sync with only built-in SQL, so every writer is covered (NewsDB, a
re-extraction, the scheduler, the sqlite3 shell, sqlite-utils): no Python function has to be
registered on a writer's connection.

What a reader types is turned into FTS5 queries here (the index is never asked to fold):

* **folded** (``match_query()``): each word matches every spelling that folds to it: "cong"
  becomes ``("cong" OR "công" OR "cộng" OR "cổng" ...)``, "doan" also ``"đoàn"`` (the spellings
  with one tone mark and any vowel marks, ``spellings()``; đ→d included, which unicode61's own
  remove_diacritics does not fold). Every word must occur. "cong doan", "công đoàn" and "Cổng
  đoán" find the same articles.
* **as typed** (``exact_query()``): a word typed with marks matches only that spelling (case
  aside); a word typed without marks still matches any spelling.

A search lists, in this order (``tier_query()``): the articles matching as typed with every
word in the title; matching as typed elsewhere; matching only folded with every word in the
title; the rest. So "công đoàn" lists "công đoàn" before "Cổng đoán"; "cong doan" has no word
typed with marks, so it is titles first, then the rest. Within a tier, the most recently stored
article first. Each tier is one FTS5 query read in rowid order and cut at the page's end, so a
page costs about the same whatever the archive's size (no score computed for every match); only
the page's ``PAGE_SIZE`` rows are read from ``articles`` and given an excerpt (``excerpt()``:
one regular expression per article, each letter of a word a class of its spellings).

``fold()`` (a ``str.translate`` table: one character in, one out) folds what a reader types.

``SEARCH_SQL`` is that query (the Datasette query ``search`` in datasette/metadata.json is the
same text; ``search()`` runs it here). ``setup_fts(db)`` creates the index or replaces an older
version's layout idempotently (migrations "0004 articles_fts", "0012 search: one index as
written" and 0013 (no positions) in crawler/store/schema.py call it). The Datasette plugin (datasette/plugins/
newscrawl.py) registers the SQL functions and uses ``match_query`` as Datasette's ``escape_fts``,
so the articles table's own search box matches the same way.
"""
from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import sqlite3
import tempfile
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

FTS_TABLE = "articles_fts"
TOKENIZE = "unicode61 remove_diacritics 0"
TEXT_COLUMNS = ("title", "sapo", "body")
# What the index keeps of each word: in which columns of which articles it occurs, not where
# (FTS5 ``detail=column``: 40 % of the index ``detail=full`` makes, bench/results/archive.md).
# Enough for every query made here: words (any spelling, a prefix), AND / OR / NOT, a column
# filter ({title} : ...). What it cannot answer, a phrase of several words ("a b" in quotes) or
# NEAR, is never asked: every query term is one word (``_words``).
DETAIL = "column"
TRIGGERS = tuple(f"{FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au"))
# Objects of earlier layouts, dropped when found: the view of the folded copies (before 0012),
# and the second index of a development version of 0012.
RETIRED = {"articles_fts_source": "VIEW", "articles_fts_exact": "TABLE"}
# Results per page of a search (Datasette's search page links to the next page), and how many
# pages a search shows at most (the first 2,000 results, as search engines do: a page costs
# more the further it is).
PAGE_SIZE = 20
MAX_PAGES = 100
# Marks that excerpt() puts around a hit (in escaped HTML): the plugin turns them into <mark>.
HIT_START, HIT_END = "\x02", "\x03"


class _FoldTable(dict):
    """str.translate table: a character -> lower case, without tones or vowel marks, đ→d; each
    character's entry is computed the first time it is met (so any alphabet folds)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in "đĐ":
            folded = "d"
        else:
            base = "".join(c for c in unicodedata.normalize("NFD", char)
                           if not unicodedata.combining(c))
            folded = (base or char).lower()[:1] or char
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def fold(text: str | None) -> str:
    """Lowercase, without tones or vowel marks, đ→d: 'Công Đoàn Hà Nội' -> 'cong doan ha noi'.

    Each character of NFC text folds to exactly one character (so excerpt()'s letter classes,
    _letter_classes(), hold one character per letter)."""
    if not text:
        return ""
    return _nfc(text).translate(_FOLD)


# A word as the index's tokenizer (unicode61) sees one: letters and digits; "_" separates words
# there (a query term with one inside would be a phrase of two words, which detail=column cannot
# answer).
_WORD = re.compile(r"[^\W_]+\*?")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def query_words(query: str | None) -> list[str]:
    """The folded words of a user's query ('Công đoàn, Hà Nội!' -> ['cong', 'doan', 'ha', 'noi']);
    a trailing * (prefix search) is kept."""
    return _words(fold(query))


def marked_words(query: str | None) -> list[str]:
    """The words of a user's query typed with marks (or đ), NFC and lower case, as typed:
    'Công doan Hà Nội' -> ['công', 'hà', 'nội']; a trailing * is kept."""
    if not query:
        return []
    return [w for w in _words(_nfc(query).lower()) if fold(w) != w]


# Vietnamese spelling: the vowel letters a word's bare letters stand for, and the five tones.
_LETTERS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "i": "i", "y": "y", "d": "dđ"}
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")   # huyền sắc hỏi ngã nặng
# A word with more spellings than this (a long foreign word) is matched as folded only.
MAX_SPELLINGS = 400


@functools.lru_cache(maxsize=4096)
def spellings(word: str) -> tuple[str, ...]:
    """Every lower-case NFC spelling that folds to the folded `word`, with at most one tone mark
    (as Vietnamese is written): 'doan' -> ['doan', 'đoan', 'doàn', 'đoàn', 'doán', ...]."""
    word = fold(word)
    combos = [""]
    for char in word:
        combos = [c + v for c in combos for v in _LETTERS.get(char, char)]
        if len(combos) > MAX_SPELLINGS:
            return (word,)
    vowels = [i for i, char in enumerate(word) if char in "aeiouy"]
    out = []
    for base in combos:
        out.append(base)
        for i in vowels:
            for tone in _TONES:
                out.append(base[:i] + unicodedata.normalize("NFC", base[i] + tone) + base[i + 1:])
        if len(out) > MAX_SPELLINGS:
            return (word,)
    return tuple(out)


def _phrase(term: str, prefix: bool) -> str:
    return f'"{term}"' + ("*" if prefix else "")


def _any_spelling(word: str) -> str:
    prefix, bare = word.endswith("*"), word.rstrip("*")
    terms = [_phrase(t, prefix) for t in spellings(bare)]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def match_query(query: str | None) -> str:
    """An FTS5 MATCH expression on articles_fts for what a user typed, whatever its punctuation
    or quotes: every word must occur (in any order) in any spelling that folds like it; 'doan*'
    matches words starting 'doan' in any spelling. A query without words gives '""', which
    matches nothing (MATCH '' is an error)."""
    words = query_words(query)
    return " AND ".join(_any_spelling(w) for w in words) if words else '""'


def exact_query(query: str | None) -> str:
    """An FTS5 MATCH expression on articles_fts: every word typed with marks as typed (case
    aside), every other word in any spelling. '""' (matches nothing) when no word has a mark:
    then no match ranks above another for its marks."""
    if not query or not marked_words(query):
        return '""'
    terms = []
    for word in _words(_nfc(query).lower()):
        if fold(word) != word:
            terms.append(_phrase(word.rstrip("*"), word.endswith("*")))
        else:
            terms.append(_any_spelling(fold(word)))
    return " AND ".join(terms)


TIERS = 4


def tier_query(query: str | None, tier: int) -> str:
    """The FTS5 MATCH expression of one tier of a search's results, best tier first:
    1 as typed, every word in the title; 2 as typed, not all in the title; 3 only folded, every
    word in the title; 4 the rest. '""' for a tier that cannot hold anything."""
    folded, typed = match_query(query), exact_query(query)
    if folded == '""':
        return '""'
    if typed == '""':            # no word typed with marks: as typed = folded
        typed, folded = folded, None
    in_title = f"{{title}} : ({typed})"
    if tier == 1:
        return in_title
    if tier == 2:
        return f"({typed}) NOT ({in_title})"
    if folded is None:
        return '""'
    if tier == 3:
        return f"({{title}} : ({folded})) NOT ({typed})"
    if tier == 4:
        return f"({folded}) NOT ({{title}} : ({folded})) NOT ({typed})"
    raise ValueError(f"tier {tier}: a search has tiers 1 to {TIERS}")


@functools.lru_cache(maxsize=1)
def _letter_classes() -> dict[str, str]:
    """Each folded letter -> every letter (Latin, any case, any marks) that folds to it:
    'd' -> 'dDđĐ', 'o' -> 'oOòÒóÓ...ợỢ'."""
    classes: dict[str, str] = {}
    for code in [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250),
                 *range(0x1E00, 0x1F00)]:
        char = chr(code)
        classes[fold(char)] = classes.get(fold(char), "") + char
    return classes


@functools.lru_cache(maxsize=256)
def _hit_pattern(query: str | None) -> tuple[re.Pattern, tuple[str, ...]] | None:
    """A regular expression finding the query's words as whole words in any spelling and case
    (each letter a class of the letters that fold to it), one group per word; and the words."""
    words = tuple(sorted(set(query_words(query)), key=len, reverse=True))
    if not words:
        return None
    classes = _letter_classes()

    def spelled(word: str) -> str:
        bare = word.rstrip("*")
        return "".join(f"[{re.escape(classes[c])}]" if c in classes else re.escape(c)
                       for c in bare) + (r"\w*" if word.endswith("*") else "")
    alternatives = "|".join(f"({spelled(w)})" for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), words


def _best_window(hits: list[tuple[int, int, str]], span: int) -> int:
    """The index of the first hit of the window of `span` characters, starting at a hit, with
    the most distinct words, then the most hits (the earliest of equals); one pass."""
    best, best_score, counts, end = 0, (0, 0), {}, 0
    for i, (start, _, _) in enumerate(hits):
        while end < len(hits) and hits[end][0] < start + span:
            counts[hits[end][2]] = counts.get(hits[end][2], 0) + 1
            end += 1
        score = (len(counts), end - i)
        if score > best_score:
            best, best_score = i, score
        key = hits[i][2]
        counts[key] -= 1
        if not counts[key]:
            del counts[key]
    return best


def excerpt(text: str | None, query: str | None, width: int = 240) -> str:
    """The passage of `text` (about `width` characters) with the most of `query`'s words, each
    hit (with or without marks) wrapped in HIT_START/HIT_END, '…' where it was cut; paragraphs
    joined with ' ¶ '. Plain text: excerpt_html() makes it HTML. Costs one regular-expression
    scan of the text (no Python loop over its characters or words, no folded copy)."""
    if not text:
        return ""
    text = _nfc(text).replace("\n\n", " ¶ ").replace("\n", " ")
    found = _hit_pattern(query)
    hits: list[tuple[int, int, str]] = []
    if found is not None:
        pattern, words = found
        hits = [(m.start(), m.end(), words[m.lastindex - 1]) for m in pattern.finditer(text)]

    start = 0
    if hits:  # the window starting a little before the hit with the best words after it
        start = max(0, hits[_best_window(hits, width * 5 // 6)][0] - width // 6)
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    out, pos = [], start
    for s, e, _ in hits:
        if s < start or e > end:
            continue
        out += [text[pos:s], HIT_START, text[s:e], HIT_END]
        pos = e
    out.append(text[pos:end])
    return ("…" if start else "") + "".join(out).strip() + ("…" if end < len(text) else "")


def excerpt_html(value: str | None) -> str:
    """An excerpt() as safe HTML: everything escaped, hits in <mark>. Any other string too."""
    escaped = html.escape(value or "")
    return escaped.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>")


# --- the query -------------------------------------------------------------------------------
# One page of a search, best first (see the module): each tier read newest stored first and cut
# at the page's end (:_newscrawl_end = offset + limit), the tiers one after the other (UNION ALL
# stops once the page is full, so a later tier is not even read), the page (:_newscrawl_limit
# rows from :_newscrawl_offset) computed once (MATERIALIZED); only its rows are read from
# `articles` and given an excerpt. :q is what the reader typed; the other parameters are, in
# Datasette, magic parameters of the plugin (from ?page=N). The Datasette query `search`
# (datasette/metadata.json) is this text.
SEARCH_SQL = f"""with page as materialized (
  select * from (select rowid as id, 1 as tier from {FTS_TABLE}
    where {FTS_TABLE} match newscrawl_tier(:q, 1) order by rowid desc limit :_newscrawl_end)
  union all
  select * from (select rowid as id, 2 as tier from {FTS_TABLE}
    where {FTS_TABLE} match newscrawl_tier(:q, 2) order by rowid desc limit :_newscrawl_end)
  union all
  select * from (select rowid as id, 3 as tier from {FTS_TABLE}
    where {FTS_TABLE} match newscrawl_tier(:q, 3) order by rowid desc limit :_newscrawl_end)
  union all
  select * from (select rowid as id, 4 as tier from {FTS_TABLE}
    where {FTS_TABLE} match newscrawl_tier(:q, 4) order by rowid desc limit :_newscrawl_end)
  limit :_newscrawl_limit offset :_newscrawl_offset
)
select
  a.id as article,
  a.title,
  a.site,
  substr(a.published_at, 1, 16) as published,
  newscrawl_excerpt(coalesce(a.sapo || char(10) || char(10), '') || a.body, :q) as excerpt,
  a.url
from page
join articles a on a.id = page.id
order by page.tier, page.id desc"""


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions SEARCH_SQL (and the feed query search_feed, datasette/metadata.json)
    call, and newscrawl_fold, on `conn` (a reading connection: the index triggers need none of
    them)."""
    conn.create_function("newscrawl_fold", 1, fold, deterministic=True)
    conn.create_function("newscrawl_match", 1, match_query, deterministic=True)
    conn.create_function("newscrawl_tier", 2, tier_query, deterministic=True)
    conn.create_function("newscrawl_excerpt", 2, excerpt, deterministic=True)


# --- schema -------------------------------------------------------------------------------
def _schema() -> dict[str, str]:
    """{name: CREATE statement} of the search's index and triggers, in creation order."""
    cols = ", ".join(TEXT_COLUMNS)

    def values(prefix: str) -> str:
        return ", ".join(f"{prefix}.{c}" for c in TEXT_COLUMNS)

    delete = (f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {cols}) "
              f"VALUES ('delete', old.id, {values('old')});")
    insert = f"INSERT INTO {FTS_TABLE} (rowid, {cols}) VALUES (new.id, {values('new')});"
    watched = ", ".join(("id", *TEXT_COLUMNS))
    ai, ad, au = TRIGGERS
    return {
        FTS_TABLE: f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({cols}, content='articles', "
                   f"content_rowid='id', tokenize='{TOKENIZE}', detail={DETAIL})",
        ai: f"CREATE TRIGGER {ai} AFTER INSERT ON articles BEGIN {insert} END",
        ad: f"CREATE TRIGGER {ad} AFTER DELETE ON articles BEGIN {delete} END",
        au: f"CREATE TRIGGER {au} AFTER UPDATE OF {watched} ON articles BEGIN {delete} {insert} END",
    }


def _outdated(conn: sqlite3.Connection) -> dict[str, str]:
    """The search objects missing or defined otherwise than _schema() says: {name: CREATE}."""
    wanted = _schema()
    stored = dict(conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE name IN ({', '.join('?' * len(wanted))})",
        list(wanted)).fetchall())
    return {name: sql for name, sql in wanted.items() if stored.get(name) != sql}


def setup_fts(conn: sqlite3.Connection | Any) -> bool:
    """Create the search index and its triggers, or replace an older version's layout (the
    folded copies and their view before migration 0012); a new index is filled from the articles
    already stored. Idempotent (nothing is done when everything is as _schema() says), one
    transaction; `conn` is a sqlite3 connection or a sqlite_utils Database. Returns True when
    the index was (re)built now."""
    conn = getattr(conn, "conn", conn)
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        outdated = _outdated(conn)
        present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        retired = [name for name in RETIRED if name in present]
        if outdated or retired:
            for name in TRIGGERS:            # they name the tables: dropped first, made last
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in retired:
                conn.execute(f"DROP {RETIRED[name]} {name}")
            if FTS_TABLE in outdated and FTS_TABLE in present:
                conn.execute(f"DROP TABLE {FTS_TABLE}")
            for name, sql in _schema().items():
                if name in outdated or name in TRIGGERS:
                    conn.execute(sql)
            if FTS_TABLE in outdated:
                conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return FTS_TABLE in outdated


def rebuild_fts(conn: sqlite3.Connection | Any) -> None:
    """Refill the index from the articles (after a bulk change made with triggers disabled)."""
    conn = getattr(conn, "conn", conn)
    with conn:
        conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")


def search(conn: sqlite3.Connection | Any, query: str, limit: int = PAGE_SIZE,
           offset: int = 0) -> list[dict]:
    """Articles matching `query` (with or without diacritics), best first, `limit` from
    `offset`: [{article, title, site, published, excerpt, url}]. The same SQL as Datasette's
    search query (SEARCH_SQL); registers its SQL functions on `conn`."""
    conn = getattr(conn, "conn", conn)
    if not query_words(query):
        return []
    register_functions(conn)
    cursor = conn.execute(SEARCH_SQL, {"q": query, "_newscrawl_limit": limit,
                                       "_newscrawl_offset": offset,
                                       "_newscrawl_end": offset + limit})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# --- Datasette (`newscrawl serve`) ---------------------------------------------------------
DATASETTE_DIR = Path(__file__).resolve().parents[2] / "datasette"
METADATA_DB_NAME = "news"   # the database's name in datasette/metadata.json (data/news.db)


def has_fts(path: str | Path) -> bool:
    """Whether the database file at `path` has the search index as this version makes it
    (read-only look): False for a file made before search, or before migration 0012."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return not _outdated(conn)
    finally:
        conn.close()


def metadata_for(db_path: str | Path) -> Path:
    """The metadata file for serving `db_path`: datasette/metadata.json itself when the file is
    called news.db, else a copy (in the temp folder) with the database renamed to the file's
    stem, which is the name Datasette gives it."""
    source = DATASETTE_DIR / "metadata.json"
    name = Path(db_path).stem
    if name == METADATA_DB_NAME:
        return source
    metadata = json.loads(source.read_text(encoding="utf-8"))

    def rename(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(f'"/{METADATA_DB_NAME}/', f'"/{quote(name)}/')
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        return value

    databases = metadata.get("databases", {})
    if METADATA_DB_NAME in databases:
        databases[name] = databases.pop(METADATA_DB_NAME)
    metadata = rename(metadata)
    digest = hashlib.sha256(str(Path(db_path).resolve()).encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"newscrawl-metadata-{digest}.json"
    target.write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def datasette_args(db_path: str | Path, port: int = 8001, host: str = "127.0.0.1",
                   extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """`datasette serve` arguments for browsing `db_path` read-only with the repository's
    metadata, templates and plugin. Not --immutable: the crawl keeps writing to the file."""
    return [
        "serve", str(db_path),
        "--metadata", str(metadata_for(db_path)),
        "--template-dir", str(DATASETTE_DIR / "templates"),
        "--plugins-dir", str(DATASETTE_DIR / "plugins"),
        "--host", host, "--port", str(port),
        "--setting", "facet_time_limit_ms", "500",
        # suggested facets cost up to 50 ms per column on each table page (a search's too), and
        # the articles page hides them
        "--setting", "suggest_facets", "off",
        *extra,
    ]
