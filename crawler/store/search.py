"""Full-text search over the articles, for Vietnamese with or without diacritics.

Two SQLite FTS5 indexes over each article's title, sapo (lead) and body, kept in sync by SQL
triggers on ``articles`` that use only built-in SQL (``replace()``), so every writer is covered
(NewsDB, a re-extraction, the scheduler, the sqlite3 shell, sqlite-utils): no Python function
has to be registered on a writer's connection.

* ``articles_fts`` (what a search *matches*, and its relevance): ``title_folded``,
  ``sapo_folded``, ``body_folded``, the text with đ→d and Đ→D, tokenizer
  ``unicode61 remove_diacritics 2`` (which drops tones and vowel marks but not the stroke of đ:
  đ is a letter of its own, not d plus a mark). "Công đoàn", "cong doan" and "Cổng đoán" are all
  indexed as ``cong doan``. It reads its text from the view ``articles_fts_source`` (external
  content): the text is not stored twice, and ``snippet()``/``highlight()``/'rebuild' work.
* ``articles_fts_exact`` (what *ranks first*): ``title``, ``sapo``, ``body`` as stored, tokenizer
  ``unicode61 remove_diacritics 0`` (lower case only: ``công đoàn`` stays ``công đoàn``), external
  content ``articles``, ``detail=none`` and ``columnsize=0`` (which articles hold a word, not
  where nor how often: all this index is asked, and small on disk).

A search (``search()`` here, the Datasette query ``search`` in datasette/metadata.json: the same
SQL, ``SEARCH_SQL``) finds the articles holding every word folded (``match_query()``), then ranks
first those holding, as typed, every word the reader typed *with* marks (``exact_query()``:
"công đoàn" lists "công đoàn" before "Cổng đoán"; "cong doan" has no marked word, so all
matches rank together), then by BM25 (a word in the title counts most, then the lead, then the
body). It returns one page (``PAGE_SIZE`` rows); only those rows are read from ``articles`` and
given an excerpt (``excerpt()``), so a search costs the same whatever the archive's size.

``fold()`` is the folding in Python (a translation table: one character in, one out), used by
``excerpt()`` to find the words in the original text. ``setup_fts(db)`` creates or upgrades the
indexes idempotently (migrations "0004 articles_fts" and "0012 search: exact-marks index" in
crawler/store/schema.py call it). The Datasette plugin (datasette/plugins/newscrawl.py)
registers ``match_query``, ``exact_query`` and ``excerpt`` as SQL functions, and ``match_query``
as Datasette's ``escape_fts`` too, so the articles table's own search box matches the same way.
"""
from __future__ import annotations

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
FTS_SOURCE = "articles_fts_source"
EXACT_TABLE = "articles_fts_exact"
TOKENIZE = "unicode61 remove_diacritics 2"
EXACT_TOKENIZE = "unicode61 remove_diacritics 0"
TEXT_COLUMNS = ("title", "sapo", "body")
FOLDED_COLUMNS = tuple(f"{c}_folded" for c in TEXT_COLUMNS)
TRIGGERS = tuple(f"{FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au"))
# Relevance: a hit in the title counts most, then the lead, then the body (bm25 column weights,
# one per column of articles_fts, in FOLDED_COLUMNS order).
BM25_WEIGHTS = (10.0, 4.0, 1.0)
# Results per page of a search (Datasette's search page links to the next page).
PAGE_SIZE = 20
# Marks that excerpt() puts around a hit (in escaped HTML): the plugin turns them into <mark>.
HIT_START, HIT_END = "\x02", "\x03"


def fold_sql(expr: str) -> str:
    """SQL for `expr` with đ→d and Đ→D (what the triggers index in the *_folded columns)."""
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


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

    Each character of NFC text folds to exactly one character, so positions in fold(text) are
    positions in text (excerpt() relies on it)."""
    if not text:
        return ""
    return _nfc(text).translate(_FOLD)


_WORD = re.compile(r"\w+\*?")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.strip("*_")]


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


def _fts_terms(words: list[str]) -> str:
    return " ".join(f'"{w.rstrip("*")}"' + ("*" if w.endswith("*") else "") for w in words)


def match_query(query: str | None) -> str:
    """An FTS5 MATCH expression on articles_fts for what a user typed, whatever its punctuation
    or quotes: every word must occur (in any order), folded; 'doan*' matches words starting
    'doan'. A query without words gives '""', which matches nothing (MATCH '' is an error)."""
    words = query_words(query)
    return _fts_terms(words) if words else '""'


def exact_query(query: str | None) -> str:
    """An FTS5 MATCH expression on articles_fts_exact: every word the user typed with marks, as
    typed (case aside). '""' (matches nothing) when no word has a mark: then no match ranks
    above another for its marks."""
    words = marked_words(query)
    return _fts_terms(words) if words else '""'


def _hit_pattern(query: str | None) -> re.Pattern | None:
    words = sorted(set(query_words(query)), key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "")
                            for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def excerpt(text: str | None, query: str | None, width: int = 240) -> str:
    """The passage of `text` (about `width` characters) with the most of `query`'s words, each
    hit (with or without marks) wrapped in HIT_START/HIT_END, '…' where it was cut; paragraphs
    joined with ' ¶ '. Plain text: excerpt_html() makes it HTML. Costs one translate and one
    regular-expression scan of the text (no Python loop over its characters or words)."""
    if not text:
        return ""
    text = _nfc(text).replace("\n\n", " ¶ ").replace("\n", " ")
    pattern = _hit_pattern(query)
    hits: list[tuple[int, int, str]] = []
    if pattern is not None:
        folded = fold(text)
        words = {w.rstrip("*"): w.endswith("*") for w in query_words(query)}

        def key(found: str) -> str:
            return found if found in words else next(
                (w for w, prefix in words.items() if prefix and found.startswith(w)), found)
        hits = [(m.start(), m.end(), key(m.group())) for m in pattern.finditer(folded)]

    def score(i: int) -> tuple[int, int, int]:  # distinct words, then hits, in the window
        inside = [k for s, _, k in hits[i:i + 64] if s < hits[i][0] + width * 5 // 6]
        return len(set(inside)), len(inside), -i

    start = 0
    if hits:  # the window starting a little before the hit with the best words after it
        best = max(range(len(hits)), key=score)
        start = max(0, hits[best][0] - width // 6)
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
# One page of a search, best first: the articles matching every word folded, those holding the
# words typed with marks first, then by BM25. Only the page's rows (the CTE `page`, computed
# once: MATERIALIZED) are read from `articles` and given an excerpt. Parameters: :q what the
# reader typed, :_newscrawl_limit and :_newscrawl_offset the page (in Datasette, magic parameters
# of the plugin, from ?page=N). The Datasette query `search` (datasette/metadata.json) is this.
SEARCH_SQL = f"""with page as materialized (
  select
    rowid as id,
    rowid in (select rowid from {EXACT_TABLE} where {EXACT_TABLE} match newscrawl_exact(:q)) as exact,
    bm25({FTS_TABLE}, {", ".join(str(w) for w in BM25_WEIGHTS)}) as score
  from {FTS_TABLE}
  where {FTS_TABLE} match newscrawl_match(:q)
  order by exact desc, score, rowid
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
order by page.exact desc, page.score, page.id"""


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions SEARCH_SQL calls, on `conn` (a reading connection: the index
    triggers need none of them)."""
    conn.create_function("newscrawl_fold", 1, fold, deterministic=True)
    conn.create_function("newscrawl_match", 1, match_query, deterministic=True)
    conn.create_function("newscrawl_exact", 1, exact_query, deterministic=True)
    conn.create_function("newscrawl_excerpt", 2, excerpt, deterministic=True)


# --- schema -------------------------------------------------------------------------------
def _schema() -> dict[str, str]:
    """{name: CREATE statement} of the search's tables, view and triggers, in creation order."""
    folded = ", ".join(FOLDED_COLUMNS)
    plain = ", ".join(TEXT_COLUMNS)
    source = ", ".join(f"{fold_sql(c)} AS {c}_folded" for c in TEXT_COLUMNS)

    def delete(prefix: str) -> str:
        return (f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {folded}) VALUES ('delete', "
                f"{prefix}.id, {', '.join(fold_sql(f'{prefix}.{c}') for c in TEXT_COLUMNS)}); "
                f"INSERT INTO {EXACT_TABLE} ({EXACT_TABLE}, rowid, {plain}) VALUES ('delete', "
                f"{prefix}.id, {', '.join(f'{prefix}.{c}' for c in TEXT_COLUMNS)});")

    def insert(prefix: str) -> str:
        return (f"INSERT INTO {FTS_TABLE} (rowid, {folded}) VALUES ({prefix}.id, "
                f"{', '.join(fold_sql(f'{prefix}.{c}') for c in TEXT_COLUMNS)}); "
                f"INSERT INTO {EXACT_TABLE} (rowid, {plain}) VALUES ({prefix}.id, "
                f"{', '.join(f'{prefix}.{c}' for c in TEXT_COLUMNS)});")

    watched = ", ".join(("id", *TEXT_COLUMNS))
    ai, ad, au = TRIGGERS
    return {
        FTS_SOURCE: f"CREATE VIEW {FTS_SOURCE} AS SELECT id, {source} FROM articles",
        FTS_TABLE: f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({folded}, "
                   f"content='{FTS_SOURCE}', content_rowid='id', tokenize='{TOKENIZE}')",
        EXACT_TABLE: f"CREATE VIRTUAL TABLE {EXACT_TABLE} USING fts5({plain}, content='articles', "
                     f"content_rowid='id', tokenize='{EXACT_TOKENIZE}', detail=none, columnsize=0)",
        ai: f"CREATE TRIGGER {ai} AFTER INSERT ON articles BEGIN {insert('new')} END",
        ad: f"CREATE TRIGGER {ad} AFTER DELETE ON articles BEGIN {delete('old')} END",
        au: f"CREATE TRIGGER {au} AFTER UPDATE OF {watched} ON articles "
            f"BEGIN {delete('old')} {insert('new')} END",
    }


def _outdated(conn: sqlite3.Connection) -> dict[str, str]:
    """The search objects missing or defined otherwise than _schema() says: {name: CREATE}."""
    wanted = _schema()
    stored = dict(conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE name IN ({', '.join('?' * len(wanted))})",
        list(wanted)).fetchall())
    return {name: sql for name, sql in wanted.items() if stored.get(name) != sql}


def setup_fts(conn: sqlite3.Connection | Any) -> bool:
    """Create the search indexes, view and triggers, or bring an older version's up to date
    (e.g. the one-index layout before migration 0012); a new index is filled from the articles
    already stored. Idempotent (nothing is done when everything is as _schema() says), one
    transaction; `conn` is a sqlite3 connection or a sqlite_utils Database. Returns True when
    an index was (re)built now."""
    conn = getattr(conn, "conn", conn)
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    rebuilt: list[str] = []
    try:
        outdated = _outdated(conn)
        if outdated:
            present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            for name in TRIGGERS:            # they name the tables: dropped first, made last
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in outdated:
                if name in present and name not in TRIGGERS:
                    kind = "VIEW" if name == FTS_SOURCE else "TABLE"
                    conn.execute(f"DROP {kind} {name}")
            for name, sql in _schema().items():
                if name in outdated or name in TRIGGERS:
                    conn.execute(sql)
            rebuilt = [t for t in (FTS_TABLE, EXACT_TABLE)
                       if t in outdated or (t == FTS_TABLE and FTS_SOURCE in outdated)]
            for table in rebuilt:
                conn.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return bool(outdated) and bool(rebuilt)


def rebuild_fts(conn: sqlite3.Connection | Any) -> None:
    """Refill the indexes from the articles (after a bulk change made with triggers disabled)."""
    conn = getattr(conn, "conn", conn)
    with conn:
        for table in (FTS_TABLE, EXACT_TABLE):
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")


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
                                       "_newscrawl_offset": offset})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# --- Datasette (`newscrawl serve`) ---------------------------------------------------------
DATASETTE_DIR = Path(__file__).resolve().parents[2] / "datasette"
METADATA_DB_NAME = "news"   # the database's name in datasette/metadata.json (data/news.db)


def has_fts(path: str | Path) -> bool:
    """Whether the database file at `path` has the search indexes as this version makes them
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
        *extra,
    ]
