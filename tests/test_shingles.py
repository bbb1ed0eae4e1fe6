"""The article-extraction benchmark's shingle metric (bench/shingles.py)."""
from __future__ import annotations

import pytest

from bench.shingles import aggregate, page_scores, shingles

TEXT = ("Công đoàn Hà Nội tổ chức hội nghị tổng kết công tác năm 2024 với sự tham gia "
        "của hơn hai trăm cán bộ công đoàn cơ sở trên địa bàn thành phố.")
OTHER = "The quick brown fox jumps over the lazy dog near the river bank today."


def test_identical_texts_score_one():
    assert page_scores(TEXT, TEXT) == (1.0, 0.0, 0.0)
    result = aggregate([page_scores(TEXT, TEXT), page_scores(OTHER, OTHER)])
    assert result == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "pages": 2}


def test_only_tokens_count_not_spacing_or_punctuation():
    assert page_scores(TEXT.replace(" ", "\n\n").replace(".", ""), TEXT) == (1.0, 0.0, 0.0)


def test_disjoint_texts_score_zero():
    tp, fp, fn = page_scores(OTHER, TEXT)
    assert tp == 0.0 and fp > 0 and fn > 0
    assert pytest.approx(fp + fn) == 1.0
    result = aggregate([page_scores(OTHER, TEXT)])
    assert result["precision"] == result["recall"] == result["f1"] == 0.0


def test_extra_noise_lowers_precision_keeps_recall():
    noisy = "Đăng nhập Đăng ký Trang chủ Tin mới nhất " + TEXT + " Bình luận Chia sẻ Facebook Zalo"
    result = aggregate([page_scores(noisy, TEXT)])
    assert result["recall"] == 1.0
    assert 0.5 < result["precision"] < 1.0
    assert result["precision"] < result["f1"] < 1.0


def test_missing_text_lowers_recall_keeps_precision():
    half = " ".join(TEXT.split()[:15])
    result = aggregate([page_scores(half, TEXT)])
    assert result["precision"] == 1.0 and result["recall"] < 1.0


def test_repeated_shingles_count_as_a_multiset():
    sentence = "người lao động được nhận thưởng tết"
    assert shingles(sentence * 1)[("người", "lao", "động", "được")] == 1
    twice = sentence + " " + sentence
    assert shingles(twice)[("người", "lao", "động", "được")] == 2
    # The prediction repeats the truth: every extra copy of a shingle is a false positive.
    tp, fp, fn = page_scores(twice, sentence)
    assert fn == 0.0 and fp > 0
    assert pytest.approx(tp) == 4 / 11   # 4 shingles matched, 4 + 3 (the seam) extra: 4/(4+7)
    # The truth repeats what the prediction says once: the missing copies are false negatives.
    tp, fp, fn = page_scores(sentence, twice)
    assert fp == 0.0 and pytest.approx(fn) == 7 / 11


def test_short_texts_use_their_tokens():
    assert shingles("Hà Nội") == {("Hà",): 1, ("Nội",): 1}
    assert page_scores("Hà Nội", "Hà Nội") == (1.0, 0.0, 0.0)
    assert page_scores("", "") == (0.0, 0.0, 0.0)
    assert page_scores("...", "") == (0.0, 0.0, 0.0)


def test_empty_predictions_count_for_recall_only():
    scores = [page_scores(TEXT, TEXT), page_scores("", TEXT)]
    result = aggregate(scores)
    assert result["precision"] == 1.0      # the empty prediction is not averaged in
    assert result["recall"] == 0.5         # but its truth is
    assert result["pages"] == 2
    assert pytest.approx(result["f1"]) == 2 * 0.5 / 1.5


def test_aggregate_of_nothing():
    assert aggregate([]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "pages": 0}
