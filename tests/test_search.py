"""Full-text search (crawler/store/search.py): Vietnamese found with or without diacritics, ranked by
relevance, and the index kept in sync by SQL triggers whoever writes (real SQLite files)."""
from __future__ import annotations

import sqlite3

import pytest

from crawler.store import search
from crawler.items import Article
from crawler.store.search import excerpt, excerpt_html, fold, match_query
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


def ids(db, query):
    return [r["id"] for r in search.search(db.db, query)]


@pytest.fixture
def db(tmp_path):
    news = NewsDB(tmp_path / "news.db")
    for a in (UNION, LABOUR, PARTY, BODY_ONLY):
        news.store_article(a)
    yield news
    news.close()


def test_fold_drops_tones_marks_and_stroke():
    assert fold("Công Đoàn Hà Nội") == "cong doan ha noi"
    assert fold("Người lao động, Ứng phó, Kỷ luật, Ưu đãi") == "nguoi lao dong, ung pho, ky luat, uu dai"
    assert fold("ẮẰẲẴẶ ấầẩẫậ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ỳỵỷỹ") == \
        "aaaaa aaaaa eeeee ooooo ooooo uuuuu yyyy"
    text = "Đoàn viên công đoàn ngành Y tế"  # one character out for each one in
    assert len(fold(text)) == len(text)
    assert fold("Co\u0302ng") == "cong"      # NFD input is normalised first
    assert fold(None) == "" and fold("") == ""


def test_match_query_is_safe_for_whatever_a_user_types():
    assert match_query("Công đoàn") == match_query("cong doan") == match_query("CONG  DOAN!")
    assert '"cong" "doan"' in match_query("cong doan")
    assert match_query('" * ( - : ^ )') == '""'          # no words: matches nothing
    assert '("cong" "or" "near" "doan")' in match_query('cong OR NEAR( "doan')  # words, quoted
    assert match_query("") == '""' and match_query(None) == '""'
    assert match_query("doan*").endswith('("doan"*)')


def test_with_or_without_diacritics_the_same_articles_are_found(db):
    found = ids(db, "công đoàn")
    assert set(found) == {1, 4}
    for query in ("cong doan", "CONG DOAN", "Cong Doan", "công doan", "cong đoàn", "CÔNG ĐOÀN"):
        assert sorted(ids(db, query)) == sorted(found), query
    assert ids(db, "lao dong") == ids(db, "lao động") and set(ids(db, "lao dong")) == {1, 2}
    assert ids(db, "dang cong san") == [3]
    assert ids(db, "doan*") and set(ids(db, "doan*")) >= {1, 4}
    assert ids(db, "") == [] and ids(db, "xyz khong co") == []
    for odd in ('cong OR NEAR( "doan', '" * ( - : ^ )', "title:cong", "cong-doan", "'; drop"):
        search.search(db.db, odd)                      # never an FTS5 syntax error
    assert ids(db, "cong-doan") == ids(db, "cong doan")


def test_results_are_ranked_by_relevance(db):
    # "công đoàn" in the title (and body) ranks above "công đoàn" only in the body.
    assert ids(db, "cong doan") == [1, 4]
    scores = [r["score"] for r in search.search(db.db, "cong doan")]
    assert scores == sorted(scores)


def test_stock_fts_queries_match_both_spellings(db):
    """Datasette's own table search (?_search=) sends '"w1" "w2"' to the FTS table unchanged:
    the original columns answer the accented query, the folded columns the unaccented one."""
    conn = db.db.conn
    for query in ('"công" "đoàn"', '"cong" "doan"', '"CONG" "DOAN"'):
        rows = {r for (r,) in conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [query])}
        assert rows == {1, 4}, query
    rows = {r for (r,) in conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", ['"lao" "dong"'])}
    assert rows == {1, 2}


def test_index_follows_every_writer_without_any_python_function(db, tmp_path):
    # NewsDB: an article whose text changed
    changed = article(2, "Thị trường việc làm đầu năm",
                      "Công đoàn giới thiệu việc làm cho người lao động.")
    assert db.store_article(changed) == "updated"
    assert 2 in ids(db, "cong doan")
    db.close()
    # Any other writer: the plain sqlite3 module, no function registered, no NewsDB.
    raw = sqlite3.connect(tmp_path / "news.db")
    raw.execute("UPDATE articles SET title = 'Tin khác', body = 'Không liên quan.' WHERE id = 1")
    raw.execute("DELETE FROM articles WHERE id = 4")
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
        assert ids(again, "doan vien lao cai") == [new_id]
        assert ids(again, "Tin khac") == [1]
        assert ids(again, "hoi thao") == []


def test_an_older_database_gets_its_index_on_open(tmp_path):
    path = tmp_path / "old.db"
    with NewsDB(path) as news:
        news.store_article(UNION)
        news.store_article(LABOUR)
    raw = sqlite3.connect(path)  # as a version without search left it
    for name in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("DROP TABLE articles_fts")
    raw.execute("DROP VIEW articles_fts_source")
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
        assert unaccented == accented and 20 < len(unaccented) <= count
        for hit in unaccented[:5]:      # the best hits say it in the headline or the lead
            sapo = conn.execute("SELECT sapo FROM articles WHERE id = ?", [hit["id"]]).fetchone()[0]
            assert "cong doan" in fold(hit["title"] + " " + (sapo or "")), hit["url"]
        lao = search.search(conn, "lao dong", limit=1000)
        assert lao and any("lao động" in r["title"] for r in lao)
    finally:
        conn.close()
