"""Full-text search over the articles, for Vietnamese with or without diacritics.

``articles_fts`` is an SQLite FTS5 index (tokenizer ``unicode61 remove_diacritics 2``) over each
article's title, sapo and body, twice:

* ``title``, ``sapo``, ``body``: the text as stored. The tokenizer lowercases and drops tones and
  vowel marks, so "Công đoàn" is indexed as ``cong đoan``: "công đoàn" finds it.
* ``title_folded``, ``sapo_folded``, ``body_folded``: the same text with đ→d and Đ→D, the one
  Vietnamese letter unicode61 does not fold (đ is a letter of its own, not d plus a mark), so
  "Công đoàn" is also indexed as ``cong doan``: "cong doan" and "CONG DOAN" find it too.

The index is kept in sync by SQL triggers on ``articles`` that use only built-in SQL
(``replace()``), so every writer is covered: NewsDB, a re-extraction, the scheduler, the sqlite3
shell, sqlite-utils. No Python function has to be registered on the writer's connection.
The FTS table reads its text from the view ``articles_fts_source`` (external content), so the
article text is not stored twice; ``snippet()``/``highlight()`` and FTS5's 'rebuild' work.

``setup_fts(db)`` creates the index (and fills it from existing articles) idempotently; the
store's migration "0004 articles_fts" (crawler/store/schema.py) calls it. ``fold()`` is the same
folding in Python (plus the marks unicode61 drops), ``match_query()`` turns what a user typed
into a safe FTS5 query on the folded columns, ``excerpt()`` picks the passage of a body that
matches; the Datasette plugin (datasette/plugins/newscrawl.py) registers the last two as SQL
functions for the search query.
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
TOKENIZE = "unicode61 remove_diacritics 2"
TEXT_COLUMNS = ("title", "sapo", "body")
FOLDED_COLUMNS = tuple(f"{c}_folded" for c in TEXT_COLUMNS)
FTS_COLUMNS = TEXT_COLUMNS + FOLDED_COLUMNS
# Relevance: a hit in the title counts most, then the lead, then the body (bm25 column weights,
# one per FTS column, in FTS_COLUMNS order).
BM25_WEIGHTS = (10.0, 4.0, 1.0, 10.0, 4.0, 1.0)
# Marks that excerpt() puts around a hit (in escaped HTML): the plugin turns them into <mark>.
HIT_START, HIT_END = "\x02", "\x03"


def fold_sql(expr: str) -> str:
    """SQL for `expr` with đ→d and Đ→D (what the triggers index in the *_folded columns)."""
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


def fold(text: str | None) -> str:
    """Lowercase, without tones or vowel marks, đ→d: 'Công Đoàn Hà Nội' -> 'cong doan ha noi'.

    Each character of NFC text folds to exactly one character, so positions in fold(text) are
    positions in text (excerpt() relies on it)."""
    if not text:
        return ""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in "đĐ":
            out.append("d")
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", char)
                       if not unicodedata.combining(c))
        out.append((base or char).lower()[:1] or char)
    return "".join(out)


_WORD = re.compile(r"\w+\*?")


def query_words(query: str | None) -> list[str]:
    """The folded words of a user's query ('Công đoàn, Hà Nội!' -> ['cong', 'doan', 'ha', 'noi']);
    a trailing * (prefix search) is kept."""
    return [w for w in _WORD.findall(fold(query)) if w.strip("*_")]


def match_query(query: str | None) -> str:
    """An FTS5 MATCH expression for what a user typed, whatever its punctuation or quotes: every
    word must occur (in any order) in the folded columns, 'doan*' matches words starting 'doan'.
    A query without words gives '""', which matches nothing (MATCH '' would be an error)."""
    words = query_words(query)
    if not words:
        return '""'
    terms = " ".join(
        f'"{w.rstrip("*")}"' + ("*" if w.endswith("*") else "") for w in words
    )
    return "{" + " ".join(FOLDED_COLUMNS) + "} : (" + terms + ")"


def excerpt(text: str | None, query: str | None, width: int = 240) -> str:
    """The passage of `text` (about `width` characters) with the most of `query`'s words, each
    hit wrapped in HIT_START/HIT_END, '…' where it was cut; paragraphs joined with ' ¶ '.
    Plain text: excerpt_html() makes it HTML."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\n\n", " ¶ ").replace("\n", " ")
    words = {w.rstrip("*"): w.endswith("*") for w in query_words(query)}
    folded = fold(text)
    hits: list[tuple[int, int, str]] = []
    for found in re.finditer(r"\w+", folded):
        word = found.group()
        key = next((w for w, prefix in words.items()
                    if word == w or (prefix and word.startswith(w))), None)
        if key is not None:
            hits.append((*found.span(), key))

    def score(i: int) -> tuple[int, int, int]:  # distinct words, then hits, in the window
        inside = [k for s, _, k in hits[i:] if s < hits[i][0] + width * 5 // 6]
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


# --- schema -------------------------------------------------------------------------------
def _schema_sql() -> list[str]:
    cols = ", ".join(FTS_COLUMNS)
    source = ", ".join([*TEXT_COLUMNS, *(f"{fold_sql(c)} AS {c}_folded" for c in TEXT_COLUMNS)])

    def values(prefix: str) -> str:
        return ", ".join([*(f"{prefix}.{c}" for c in TEXT_COLUMNS),
                          *(fold_sql(f"{prefix}.{c}") for c in TEXT_COLUMNS)])

    delete = (f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {cols}) "
              f"VALUES ('delete', old.id, {values('old')});")
    insert = f"INSERT INTO {FTS_TABLE} (rowid, {cols}) VALUES (new.id, {values('new')});"
    watched = ", ".join(("id", *TEXT_COLUMNS))
    return [
        f"CREATE VIEW IF NOT EXISTS {FTS_SOURCE} AS SELECT id, {source} FROM articles",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({cols}, "
        f"content='{FTS_SOURCE}', content_rowid='id', tokenize='{TOKENIZE}')",
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON articles BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON articles BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF {watched} ON articles "
        f"BEGIN {delete} {insert} END",
    ]


def setup_fts(conn: sqlite3.Connection | Any) -> bool:
    """Create the search index and its triggers if missing; a new index is filled from the
    articles already stored. Idempotent, one transaction; `conn` is a sqlite3 connection or a
    sqlite_utils Database. Returns True when the index was created now."""
    conn = getattr(conn, "conn", conn)
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        existing = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE name IN (?, ?, ?, ?, ?)",
            [FTS_TABLE, FTS_SOURCE, f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"])}
        created = FTS_TABLE not in existing
        if len(existing) < 5:
            for statement in _schema_sql():
                conn.execute(statement)
            if created:
                conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return created


def rebuild_fts(conn: sqlite3.Connection | Any) -> None:
    """Refill the index from the articles (after a bulk change made with triggers disabled)."""
    conn = getattr(conn, "conn", conn)
    with conn:
        conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")


def search(conn: sqlite3.Connection | Any, query: str, limit: int = 20) -> list[dict]:
    """Articles matching `query` (with or without diacritics), most relevant first:
    [{id, url, site, title, published_at, score}]. The same SQL as Datasette's search query."""
    conn = getattr(conn, "conn", conn)
    if not query_words(query):
        return []
    expression = match_query(query)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    cursor = conn.execute(
        f"SELECT a.id, a.url, a.site, a.title, a.published_at, "
        f"bm25({FTS_TABLE}, {weights}) AS score "
        f"FROM {FTS_TABLE} JOIN articles a ON a.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH ? ORDER BY score LIMIT ?",
        [expression, limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# --- Datasette (`newscrawl serve`) ---------------------------------------------------------
DATASETTE_DIR = Path(__file__).resolve().parents[2] / "datasette"
METADATA_DB_NAME = "news"   # the database's name in datasette/metadata.json (data/news.db)


def has_fts(path: str | Path) -> bool:
    """Whether the database file at `path` has the search index (read-only look)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                            [FTS_TABLE]).fetchone() is not None
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
