"""Full-text search (crawler/store/search.py): Vietnamese found with or without diacritics, the
words typed with marks ranked first, one page at a time, and both indexes kept in sync by SQL
triggers whoever writes (real SQLite files)."""
from __future__ import annotations

import sqlite3
import unicodedata

import pytest

from crawler.store import search
from crawler.items import Article
from crawler.store.search import (exact_query, excerpt, excerpt_html, fold, marked_words,
                                  match_query)
from crawler.store import NewsDB


def article(n: int, title: str, body: str, sapo: str | None = None, **kw) -> Article:
    return Article(url=f"https://laodongthudo.vn/bai-{n}.html", site="laodongthudo",
                   article_id=str(n), title=title, body=body, sapo=sapo,
                   published_at=f"2024-05-{n:02d}T09:00:00+07:00", **kw)


UNION = article(1, "Công đoàn Thủ đô chăm lo Tết cho đoàn viên",
                "Liên đoàn Lao động Thành phố trao quà.\n\nĐoàn viên công đoàn vui mừng.",
                sapo="(LĐTĐ) Hơn 2.000 suất quà")
LABOUR = article(2, "Thị trường việc làm đầu năm",
                 "Nhiều doanh nghiệp tuyển người lao động phổ thông.")
PARTY = article(3, "Đảng Cộng sản Việt Nam", "Bài về công tác xây dựng Đảng.")
BODY_ONLY = article(4, "Tin tổng hợp trong tuần",
                    "Thời tiết, giao thông. Cuối tuần, công đoàn cơ sở tổ chức hội thao.")
# The same letters as "công đoàn" with other marks: found by "cong doan" and by "công đoàn"
# (every mark folded), but after every article that says "công đoàn" as typed.
GATE = article(5, "Cổng đoán mệnh ở chùa Cổng",
               "Người xem bói ngồi trước cổng đoán vận hạn cho khách.")


def ids(db, query, **kw):
    return [r["article"] for r in search.search(db.db, query, **kw)]


@pytest.fixture
def db(tmp_path):
    news = NewsDB(tmp_path / "news.db")
    for a in (UNION, LABOUR, PARTY, BODY_ONLY, GATE):
        news.store_article(a)
    yield news
    news.close()


def test_fold_drops_tones_marks_and_stroke():
    assert fold("Công Đoàn Hà Nội") == "cong doan ha noi"
    assert fold("Người lao động, Ứng phó, Kỷ luật, Ưu đãi") == "nguoi lao dong, ung pho, ky luat, uu dai"
    assert fold("ẮẰẲẴẶ ấầẩẫậ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ỳỵỷỹ") == \
        "aaaaa aaaaa eeeee ooooo ooooo uuuuu yyyy"
    text = "Đoàn viên công đoàn ngành Y tế İstanbul ß"  # one character out for each one in
    assert len(fold(text)) == len(text)
    assert fold("Co\u0302ng") == "cong"      # NFD input is normalised first
    assert fold(None) == "" and fold("") == ""


def test_spellings_are_every_way_to_write_a_folded_word():
    assert {"công", "cống", "cổng", "cộng", "cong", "còng"} <= set(search.spellings("cong"))
    assert {"đoàn", "đoán", "doan", "đoạn"} <= set(search.spellings("Đoan"))
    assert {"người", "ngươi", "nguội"} <= set(search.spellings("nguoi"))
    tones = set("\u0300\u0301\u0309\u0303\u0323")
    for word in search.spellings("nguoi"):       # one tone mark at most, as Vietnamese is written
        assert fold(word) == "nguoi"
        assert sum(c in tones for c in unicodedata.normalize("NFD", word)) <= 1, word
    assert search.spellings("2024") == ("2024",)
    assert search.spellings("a" * 30) == ("a" * 30,)                # too many: as folded


def match(db, expression: str) -> set[int]:
    return {r for (r,) in db.db.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [expression])}


def test_match_query_is_safe_for_whatever_a_user_types(db):
    assert match_query("Công đoàn") == match_query("cong doan") == match_query("CONG  DOAN!")
    assert match_query('" * ( - : ^ )') == '""'          # no words: matches nothing
    assert match_query("") == '""' and match_query(None) == '""'
    assert '"đoàn"*' in match_query("doan*")
    # never an FTS5 syntax error, nor a phrase the index without positions cannot answer
    # ("cong_doan": two words for the tokenizer)
    for odd in ('cong OR NEAR( "doan', "title:cong", "'; drop", 'công" OR (đoàn', "doan*",
                "cong_doan", "công_đoàn*", '"công đoàn"'):
        match(db, match_query(odd))
        match(db, exact_query(odd))
        for tier in range(1, search.TIERS + 1):
            match(db, search.tier_query(odd, tier))
    assert match(db, match_query("cong doan")) == {1, 4, 5}


def test_exact_query_keeps_the_words_typed_with_marks_as_typed(db):
    assert marked_words("Công doan HÀ Nội đi") == ["công", "hà", "nội", "đi"]
    assert exact_query("CÔNG ĐOÀN") == '"công" AND "đoàn"'
    assert exact_query("Co\u0302ng đoàn*") == '"công" AND "đoàn"*'    # NFC, prefix kept
    assert exact_query("cong doan") == '""' and exact_query("") == '""'   # no marks: no tier
    assert match(db, exact_query("công đoàn")) == {1, 4}
    assert match(db, exact_query("cổng doan")) == {5}            # "doan": any spelling
    assert match(db, exact_query("Cổng đoán")) == {5}


def test_with_or_without_diacritics_the_same_articles_are_found(db):
    found = ids(db, "công đoàn")
    assert set(found) == {1, 4, 5}
    for query in ("cong doan", "CONG DOAN", "Cong Doan", "công doan", "cong đoàn", "CÔNG ĐOÀN",
                  "Cổng đoán"):
        assert sorted(ids(db, query)) == sorted(found), query
    assert sorted(ids(db, "lao dong")) == sorted(ids(db, "lao động")) == [1, 2]
    assert ids(db, "dang cong san") == [3]
    assert set(ids(db, "doan*")) >= {1, 4, 5}
    assert ids(db, "") == [] and ids(db, "xyz khong co") == []
    for odd in ('cong OR NEAR( "doan', '" * ( - : ^ )', "title:cong", "cong-doan", "'; drop",
                'công" OR (đoàn'):
        search.search(db.db, odd)                      # never an FTS5 syntax error
    assert ids(db, "cong-doan") == ids(db, "cong doan") == ids(db, "cong_doan")
    assert ids(db, '"công đoàn"') == ids(db, "công đoàn")     # quotes: the same words


def test_the_marks_typed_rank_first_then_titles_before_text(db):
    # Typed with marks: every article saying "công đoàn" (in its title or only in its body)
    # before the one saying "Cổng đoán", although that one has the letters in its title.
    assert ids(db, "công đoàn") == [1, 4, 5]
    assert ids(db, "CÔNG ĐOÀN") == [1, 4, 5]
    assert ids(db, "Cổng đoán") == [5, 1, 4]
    # Marks on some words only: those words as typed, the others any way.
    assert ids(db, "cổng doan") == [5, 1, 4]
    # Without marks nothing is preferred for its marks: relevance alone (title hits first).
    unmarked = ids(db, "cong doan")
    assert set(unmarked[:2]) == {1, 5} and unmarked[2] == 4


def test_one_page_at_a_time(tmp_path):
    with NewsDB(tmp_path / "many.db") as news:
        for n in range(1, 46):
            news.store_article(article(n, f"Tin số {n}", f"Đoàn viên công đoàn số {n}."))
        first = ids(news, "doan vien")
        assert len(first) == search.PAGE_SIZE == 20
        second = ids(news, "doan vien", offset=20)
        third = ids(news, "doan vien", offset=40)
        assert len(second) == 20 and len(third) == 5
        assert len(set(first + second + third)) == 45
        assert first + second + third == ids(news, "doan vien", limit=100)


def test_index_follows_every_writer_without_any_python_function(db, tmp_path):
    # NewsDB: an article whose text changed
    changed = article(2, "Thị trường việc làm đầu năm",
                      "Công đoàn giới thiệu việc làm cho người lao động.")
    assert db.store_article(changed) == "updated"
    assert 2 in ids(db, "công đoàn")
    db.close()
    # Any other writer: the plain sqlite3 module, no function registered, no NewsDB.
    raw = sqlite3.connect(tmp_path / "news.db")
    raw.execute("UPDATE articles SET title = 'Tin khác', body = 'Không liên quan.' WHERE id = 1")
    raw.execute("DELETE FROM articles WHERE id IN (4, 5)")
    new_id = raw.execute(
        "INSERT INTO articles (url, site, title, body) VALUES "
        "('https://baolaocai.vn/x-9.html', 'baolaocai', 'Đoàn viên Lào Cai', 'Nội dung.')"
    ).lastrowid
    raw.execute("UPDATE articles SET fetched_at = '2024-06-01T00:00:00+07:00'")  # not indexed
    raw.commit()
    raw.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    raw.close()
    with NewsDB(tmp_path / "news.db") as again:
        assert ids(again, "cong doan") == [2]
        assert ids(again, "công đoàn") == [2]
        assert ids(again, "doan vien lao cai") == [new_id]
        assert ids(again, "Tin khac") == [1]
        assert ids(again, "hoi thao") == [] and 5 not in ids(again, "cổng")


def test_an_older_database_gets_its_index_on_open(tmp_path):
    path = tmp_path / "old.db"
    with NewsDB(path) as news:
        news.store_article(UNION)
        news.store_article(LABOUR)
    raw = sqlite3.connect(path)  # as a version without search left it
    for name in search.TRIGGERS:
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("DROP TABLE articles_fts")
    raw.execute("DROP TABLE _sqlite_migrations")   # nor did it record migrations
    raw.commit()
    raw.close()
    assert not search.has_fts(path)
    with NewsDB(path) as news:
        assert search.has_fts(path)
        assert ids(news, "cong doan") == [1]
        assert set(ids(news, "lao dong")) == {1, 2}
    with NewsDB(path) as news:  # idempotent
        assert search.setup_fts(news.db) is False
        assert ids(news, "cong doan") == [1]


def _fold(expr: str) -> str:
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


def one_index_layout() -> list[str]:
    """The search schema before migration 0012: one index over the text as stored and with đ→d."""
    cols = "title, sapo, body, title_folded, sapo_folded, body_folded"

    def values(p: str) -> str:
        return ", ".join([f"{p}.title", f"{p}.sapo", f"{p}.body",
                          _fold(f"{p}.title"), _fold(f"{p}.sapo"), _fold(f"{p}.body")])
    delete = f"INSERT INTO articles_fts (articles_fts, rowid, {cols}) VALUES ('delete', old.id, {values('old')});"
    insert = f"INSERT INTO articles_fts (rowid, {cols}) VALUES (new.id, {values('new')});"
    return [
        "CREATE VIEW articles_fts_source AS SELECT id, title, sapo, body, "
        f"{_fold('title')} AS title_folded, {_fold('sapo')} AS sapo_folded, "
        f"{_fold('body')} AS body_folded FROM articles",
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({cols}, content='articles_fts_source', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN {insert} END",
        f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {delete} END",
        "CREATE TRIGGER articles_fts_au AFTER UPDATE OF id, title, sapo, body ON articles "
        f"BEGIN {delete} {insert} END",
        "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')",
    ]


def as_before_migration(path, migration: str, statements) -> None:
    """Puts the search index of the file at `path` back as it was before `migration`: the
    current index and triggers dropped, `statements` run, the migration unrecorded."""
    raw = sqlite3.connect(path)
    for name in search.TRIGGERS:
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("DROP TABLE articles_fts")
    for statement in statements:
        raw.execute(statement)
    raw.execute(f"DELETE FROM _sqlite_migrations WHERE name LIKE '{migration} %'")
    raw.commit()
    raw.close()


def test_a_database_of_the_one_index_layout_is_upgraded_in_place(tmp_path):
    path = tmp_path / "before-0012.db"
    with NewsDB(path) as news:
        for a in (UNION, LABOUR, BODY_ONLY, GATE):
            news.store_article(a)
    as_before_migration(path, "0012", one_index_layout())
    assert not search.has_fts(path)
    with NewsDB(path) as news:        # migration 0012
        assert search.has_fts(path)
        columns = [r[1] for r in news.db.execute("PRAGMA table_info(articles_fts)")]
        assert columns == list(search.TEXT_COLUMNS)
        assert not news.db.execute("SELECT name FROM sqlite_master WHERE name = "
                                   "'articles_fts_source'").fetchall()
        assert ids(news, "công đoàn") == [1, 3, 4]      # UNION, BODY_ONLY, then GATE
        assert ids(news, "cổng đoán") == [4, 1, 3]
        news.store_article(article(6, "Công đoàn mới", "Nội dung mới."))
        found = ids(news, "công đoàn")      # the new triggers feed both indexes
        assert set(found[:3]) == {1, 3, 5} and found[3] == 4
        news.db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")


def test_a_database_from_before_0013_loses_the_stored_evidence_and_positions_in_place(tmp_path):
    path = tmp_path / "before-0013.db"
    with NewsDB(path) as news:
        for a in (UNION, LABOUR, BODY_ONLY, GATE):
            news.store_article(a)
        before = news.db.execute("SELECT * FROM articles ORDER BY id").fetchall()
    schema = {name: sql.replace(", detail=column", "") for name, sql in search._schema().items()}
    assert "detail" not in schema["articles_fts"]
    as_before_migration(path, "0013", [
        *schema.values(), "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')",
        "ALTER TABLE articles ADD COLUMN topic_terms TEXT",
        """UPDATE articles SET topic_terms = '[{"term":"công đoàn"}]'"""])
    assert not search.has_fts(path)
    with NewsDB(path) as news:        # migration 0013
        assert search.has_fts(path)
        assert "detail=column" in news.db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
        assert "topic_terms" not in news.db.table("articles").columns_dict
        assert news.db.execute("SELECT * FROM articles ORDER BY id").fetchall() == before
        assert ids(news, "công đoàn") == [1, 3, 4]      # UNION, BODY_ONLY, then GATE
        assert ids(news, "cong doan") == [4, 1, 3]       # titles first, newest first
        news.db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    with NewsDB(path) as news:        # nothing left to do
        assert search.setup_fts(news.db) is False
        assert ids(news, "công đoàn") == [1, 3, 4]      # UNION, BODY_ONLY, then GATE


def test_excerpt_marks_the_words_found_and_is_escaped():
    text = ("Mở đầu bài viết. " * 30 + "Công đoàn <b>cơ sở</b> chăm lo cho đoàn viên.\n\n"
            + "Kết thúc. " * 30)
    out = excerpt(text, "cong doan", width=120)
    assert out.startswith("…") and out.endswith("…")
    assert f"{search.HIT_START}Công{search.HIT_END} {search.HIT_START}đoàn{search.HIT_END}" in out
    assert len(out) < 140
    html = excerpt_html(out)
    assert "<mark>Công</mark> <mark>đoàn</mark>" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert excerpt_html('<script>alert(1)</script>') == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert excerpt("", "x") == "" and excerpt("Ngắn gọn.", "") == "Ngắn gọn."
    # whole words only; a prefix search marks the words it matches
    assert search.HIT_START not in excerpt("Công đoàn viên chức", "do")
    marked = excerpt("Các đoàn viên và đoàn thể họp.", "doan*")
    assert marked.count(search.HIT_START) == 2 and f"{search.HIT_START}đoàn{search.HIT_END}" in marked


def test_unaccented_search_finds_the_seed_articles_of_a_real_crawl(crawled_db):
    conn = sqlite3.connect(f"file:{crawled_db}?mode=ro", uri=True)  # shared: read only
    try:
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        first = search.search(conn, "nguyen vong doan vien cong nhan vien chuc")[0]
        assert first["url"].endswith("-118053.html")
        assert first["title"] == ("Chủ động nắm bắt tâm tư, nguyện vọng đoàn viên, "
                                  "công nhân viên chức lao động")
        unaccented = search.search(conn, "cong doan", limit=1000)
        accented = search.search(conn, "công đoàn", limit=1000)
        assert ({r["article"] for r in unaccented} == {r["article"] for r in accented}
                and 20 < len(unaccented) <= count)
        for hit in unaccented[:5]:      # the best hits say it in the headline
            assert {"cong", "doan"} <= set(search._words(fold(hit["title"]))), hit["url"]
        lao = search.search(conn, "lao dong", limit=1000)
        assert lao and any("lao động" in r["title"] for r in lao)
    finally:
        conn.close()


def test_datasette_runs_the_same_search_sql():
    """The Datasette query `search` is SEARCH_SQL, word for word (one query, kept in two places)."""
    import json
    metadata = json.loads((search.DATASETTE_DIR / "metadata.json").read_text(encoding="utf-8"))
    queries = metadata["databases"]["news"]["queries"]
    assert queries["search"]["sql"] == search.SEARCH_SQL
    assert "newscrawl_match(:q)" in queries["search_feed"]["sql"]     # the same matching
