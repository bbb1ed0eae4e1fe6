"""Topic tagging (crawler/topics.py, crawler/topics.toml, `newscrawl topics`): the seeds are about
labour, words match with and without diacritics and across đ/d as whole words, passing mentions
do not count, and the hand-labelled real headlines are tagged with precision and recall ≥ 0.90."""
from __future__ import annotations

import json
import tomllib
import unicodedata

import pytest
from click.testing import CliRunner

from bench.topics import LABELLED, evaluate, read_labelled
from crawler.store import search
from crawler.topics import (VOCABULARY_FILE, VocabularyError, classify, fold, load_vocabulary)
from crawler.topics_cli import topics_command
from replay.web import ReplayWeb

ISSUE_TOPICS = ["công đoàn", "tiền lương và thu nhập", "việc làm", "bảo hiểm xã hội",
                "an toàn vệ sinh lao động", "quan hệ lao động và tranh chấp",
                "nhà ở và đời sống công nhân", "chăm lo đoàn viên", "pháp luật lao động"]


def strip_marks(text: str) -> str:
    """The text as typed without any diacritics: tones, vowel marks and đ all gone."""
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c))


@pytest.fixture(scope="module")
def seeds():
    arts = [x for x in ReplayWeb().articles() if x.seed]
    assert sorted(x.seed for x in arts) == ["000", "001", "002", "003", "004"]
    return [x.expected() for x in arts]


@pytest.fixture(scope="module")
def labelled():
    return read_labelled(LABELLED)


# ------------------------------------------------------------------------- the vocabulary file
def test_vocabulary_file_parses_and_has_the_issue_topics():
    data = tomllib.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    assert set(data["topic"]) == set(ISSUE_TOPICS)
    vocab = load_vocabulary()
    assert list(vocab.topics) == list(data["topic"])
    for topic in ISSUE_TOPICS:
        kinds = {t.kind for t in vocab.terms if t.topic == topic}
        assert "strong" in kinds and "weak" in kinds, topic
        assert vocab.topics[topic], f"{topic} has no description"
    assert any(t.kind == "exclude" for t in vocab.terms)
    assert all(t.text == unicodedata.normalize("NFC", t.text) for t in vocab.terms)


def test_every_topic_of_the_labelled_set_is_in_the_vocabulary(labelled):
    vocab = load_vocabulary()
    used = {t for row in labelled for t in row["topics"]}
    assert used and used <= set(vocab.topics), used - set(vocab.topics)
    assert len(labelled) >= 80
    assert all(row["source"] for row in labelled)


def test_the_labelled_set_is_nfc_without_duplicates_and_cites_each_source(labelled):
    for row in labelled:
        for column in ("headline", "lead", "source"):
            assert row[column] == unicodedata.normalize("NFC", row[column]).strip(), row["line"]
        assert row["source"].startswith(("shared/seeds/", "http://", "https://")), row["line"]
    headlines = [fold(row["headline"]) for row in labelled]
    assert len(headlines) == len(set(headlines))
    assert sum(row["label"] for row in labelled) >= 30
    assert sum(not row["label"] for row in labelled) >= 30


def test_an_edited_vocabulary_changes_the_result(tmp_path):
    edited = VOCABULARY_FILE.read_text(encoding="utf-8").replace(
        'strong = [\n  "tết sum vầy",', 'strong = [\n  "chợ quê ngày tết", "tết sum vầy",')
    assert edited != VOCABULARY_FILE.read_text(encoding="utf-8")
    path = tmp_path / "topics.toml"
    path.write_text(edited, encoding="utf-8")
    headline = "Chợ quê ngày Tết cho người lao động"
    assert "chăm lo đoàn viên" not in classify(headline).topics
    assert "chăm lo đoàn viên" in classify(headline, vocabulary=load_vocabulary(path)).topics


@pytest.mark.parametrize("text, message", [
    ("[scoring\nthreshold = 6", "not a readable TOML vocabulary"),
    ("[scoring]\nthreshold = 6\n", "'strong' must be a number"),
])
def test_a_broken_vocabulary_is_a_clear_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VocabularyError, match=message) as info:
        load_vocabulary(path)
    assert "mine.toml" in str(info.value)


def test_a_term_listed_twice_or_also_excluded_is_refused(tmp_path):
    base = VOCABULARY_FILE.read_text(encoding="utf-8")
    twice = base.replace('"nợ lương", ', '"nợ lương", "NỢ LƯƠNG", ')
    (tmp_path / "twice.toml").write_text(twice, encoding="utf-8")
    with pytest.raises(VocabularyError, match="listed twice"):
        load_vocabulary(tmp_path / "twice.toml")
    both = base.replace('exclude = ["thu nhập cá nhân",', 'exclude = ["nợ lương", "thu nhập cá nhân",')
    (tmp_path / "both.toml").write_text(both, encoding="utf-8")
    with pytest.raises(VocabularyError, match="both a term and an exclude"):
        load_vocabulary(tmp_path / "both.toml")


# ------------------------------------------------------------------------- the seeds
def test_every_seed_article_is_labour_relevant_with_evidence(seeds):
    for gold in seeds:
        found = classify(gold["title"], gold["sapo"], gold["body"])
        assert found.labour_relevant, gold["url"]
        assert "công đoàn" in found.topics, (gold["url"], found.topics)
        for evidence in found.topic_terms:
            assert set(evidence) >= {"term", "topic", "where", "count"}
            assert evidence["where"] in ("title", "sapo", "body") and evidence["count"] >= 1
        # the headline and lead alone already say so
        assert classify(gold["title"], gold["sapo"]).labour_relevant, gold["url"]


def test_seeds_without_diacritics_or_with_d_for_đ_give_the_same_answer(seeds):
    for gold in seeds:
        marked = classify(gold["title"], gold["sapo"], gold["body"])
        for variant in (strip_marks, lambda s: s.replace("đ", "d").replace("Đ", "D"), str.upper):
            found = classify(variant(gold["title"]), variant(gold["sapo"]), variant(gold["body"]))
            assert found.labour_relevant and found.topics == marked.topics, (gold["url"], variant)
            assert ([(e["term"], e["where"], e["count"]) for e in found.topic_terms]
                    == [(e["term"], e["where"], e["count"]) for e in marked.topic_terms])


def test_fold_is_the_search_index_folding(seeds):
    for gold in seeds:
        for text in (gold["title"], gold["sapo"], gold["body"]):
            assert fold(text) == search.fold(text)


# ------------------------------------------------------------------------- matching rules
@pytest.mark.parametrize("written", ["Công đoàn", "công doàn", "Cong đoan", "cong doan", "CÔNG ĐOÀN",
                                     "CONG DOAN", "Cong  doan"])
def test_a_term_matches_with_or_without_marks_and_across_the_d_fold(written):
    found = classify(f"{written} cơ sở Công ty May 10 tổ chức đại hội")
    assert found.labour_relevant
    assert [e["term"] for e in found.topic_terms if e["where"] == "title"][0] == "công đoàn cơ sở"


def test_decomposed_text_is_read_as_nfc():
    decomposed = unicodedata.normalize("NFD", "Tổng Liên đoàn Lao động Việt Nam phát động Tháng Công nhân")
    found = classify(decomposed)
    assert {"công đoàn", "chăm lo đoàn viên"} <= set(found.topics)


@pytest.mark.parametrize("headline", [
    "Phường Định Công ra quân dọn vệ sinh môi trường",          # Định Công is a ward, not a strike
    "Được công nhận danh hiệu xã đạt chuẩn nông thôn mới",      # công nhận (recognise) ≠ công nhân
    "Mã số bhxhx không hợp lệ",                                  # a term inside a longer word
    "Tiếp tục nâng cao chất lượng dạy và học",                   # "lượng" is not "lương"
])
def test_other_words_with_the_same_letters_do_not_match(headline):
    found = classify(headline)
    assert not found.labour_relevant
    assert not [e for e in found.topic_terms if e["points"] > 0], found.topic_terms


def test_a_headline_counts_more_than_a_lead_and_a_lead_more_than_a_body():
    filler = "Buổi lễ diễn ra trang trọng tại hội trường của thành phố."
    in_title = classify("Ký thỏa ước lao động tập thể ngành dệt may", filler, filler)
    in_sapo = classify(filler, "Ký thỏa ước lao động tập thể ngành dệt may", filler)
    in_body = classify(filler, filler, "Ký thỏa ước lao động tập thể ngành dệt may. " + filler)
    assert in_title.score > in_sapo.score > in_body.score > 0
    assert in_title.labour_relevant and in_sapo.labour_relevant and not in_body.labour_relevant


def test_a_body_that_repeats_a_word_is_capped():
    body = "Người lao động. " * 30
    found = classify("Khai mạc triển lãm tranh", None, body)
    assert not found.labour_relevant
    assert [e["count"] for e in found.topic_terms] == [30]


# ------------------------------------------------------------------------- passing mentions
@pytest.mark.parametrize("title, sapo, body", [
    ("Đoàn viên thanh niên Thủ đô xuất quân Chiến dịch \"Mùa hè xanh\" 2025",
     "Đoàn Thanh niên thành phố tổ chức lễ xuất quân, hàng nghìn đoàn viên thanh niên tham gia.",
     "Các đoàn viên thanh niên sẽ giúp người dân làm đường. Mỗi đoàn viên thanh niên dạy học cho "
     "trẻ em. Đoàn viên thanh niên các trường đại học cùng tham gia."),
    ("Hội Nông dân tỉnh tổ chức Hội nghị Ban Chấp hành",
     "Đoàn công tác của Hội Nông dân Việt Nam làm việc với tỉnh về phong trào nông dân sản xuất giỏi.",
     "Đồng chí Trưởng đoàn công tác đánh giá cao kết quả của các cấp Hội."),
    ("Đội tuyển bóng đá nữ được tặng Huân chương Lao động",
     "Các cầu thủ đã thi đấu kiên cường trong trận chung kết.",
     "Huấn luyện viên nói đây là thành quả lao động miệt mài của cả đội. Các cầu thủ được tặng "
     "Huân chương Lao động hạng Ba."),
    ("Thời tiết ngày 19/5: Hà Nội có mưa rào và dông",
     "Nhiệt độ cao nhất 32 - 34 độ.", "Người dân ra đường cần mang theo áo mưa."),
])
def test_a_word_in_passing_does_not_make_an_article_about_labour(title, sapo, body):
    found = classify(title, sapo, body)
    assert not found.labour_relevant, found.topic_terms
    assert found.topics == []


def test_excluded_phrases_are_kept_as_evidence_with_no_points():
    found = classify("Đoàn viên thanh niên tình nguyện tiếp sức mùa thi")
    assert [(e["term"], e["kind"], e["points"]) for e in found.topic_terms] == [
        ("đoàn viên thanh niên", "exclude", 0.0)]


# ------------------------------------------------------------------------- the labelled set
def test_precision_and_recall_on_the_labelled_real_headlines(labelled):
    result = evaluate(labelled)
    assert result.rows == len(labelled) >= 80
    assert result.tp + result.fn == sum(r["label"] for r in labelled) > 0
    assert result.tn + result.fp == sum(not r["label"] for r in labelled) > 0
    errors = [(kind, row["headline"]) for kind, row, _ in result.errors]
    assert result.precision >= 0.90, errors
    assert result.recall >= 0.90, errors


# ------------------------------------------------------------------------- newscrawl topics
def test_topics_command_prints_one_json_object_per_input_line():
    stdin = ("Công nhân được tăng lương\tNgười lao động phấn khởi\n"
             "\n"
             "Giá vàng tuần tới sẽ đi ngang?\n"
             "cong doan co so cong ty may\n").encode("utf-8")
    result = CliRunner().invoke(topics_command, [], input=stdin)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [a["labour_relevant"] for a in answers] == [True, False, False, True]
    assert all(set(a) == {"topics", "labour_relevant", "topic_terms"} for a in answers)
    assert answers[0]["topics"] == ["tiền lương và thu nhập"]
    assert {"term": "người lao động", "topic": None, "where": "sapo", "count": 1,
            "kind": "labour", "points": 4.0} in answers[0]["topic_terms"]
    assert answers[3]["topics"] == ["công đoàn"]


def test_topics_command_reports_bad_bytes_and_keeps_the_line():
    result = CliRunner().invoke(topics_command, [], input=b"Gi\xe1 v\xe0ng\nT\xc3\xa1ng C\xc3\xb4ng nh\xc3\xa2n\n")
    assert result.exit_code == 1
    assert "line 1 is not UTF-8" in result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_topics_command_names_a_broken_vocabulary(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("not toml [", encoding="utf-8")
    result = CliRunner().invoke(topics_command, ["--vocabulary", str(path)], input=b"x\n")
    assert result.exit_code == 1
    assert "broken.toml" in result.output
