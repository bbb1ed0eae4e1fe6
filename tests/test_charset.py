"""crawler/charset.py's mojibake count: the same as ftfy's `badness`, read only where it can match."""
import random

from ftfy.badness import badness as ftfy_badness

from crawler import charset

VIETNAMESE = ("Công đoàn Thủ đô tổ chức Hội nghị Ban Chấp hành lần thứ 5, khóa XVII. ĐẠI HỘI "
              "Ủy ban nhân dân thành phố Hà Nội; người lao động được hưởng mức lương tối thiểu "
              "vùng mới từ ngày 1/7/2024 — “Tết sum vầy” … giá 5.000 đồng (≈ 0,2 €), 25°C, ½ ngày.")
ENGLISH = "The union’s “fair pay” campaign — £5.50/hour, 3× more; café naïve résumé © 2024 ™."
CODE_PAGES = ("cp1252", "latin-1", "cp1250", "cp1251", "cp1253", "cp1257", "cp1258",
              "mac_roman", "cp437")


def test_the_windows_are_derived_from_ftfy_expression():
    """With the installed ftfy, the fast path is in use (not the whole-text fallback)."""
    assert charset._WINDOWS is not None
    candidates, width = charset._WINDOWS
    assert width >= 2
    assert not candidates.search("cong doan Ha Noi 2024")     # ASCII never starts a window
    assert not candidates.search("công nhân hưởng lương")     # nor lower-case Vietnamese


def test_badness_is_ftfy_badness_on_clean_and_mojibake_text():
    rng = random.Random(20)
    texts = [VIETNAMESE, ENGLISH, "", "Ã ", "aÃ ", "ÃÂ€", "x" * 50 + "Ã©" + "y" * 50]
    for clean in (VIETNAMESE, ENGLISH):
        for codec in CODE_PAGES:
            broken = clean.encode("utf-8").decode(codec, errors="replace")
            for _ in range(20):           # pieces of mojibake spliced into clean text
                i, j = sorted(rng.randrange(len(broken) + 1) for _ in range(2))
                k = rng.randrange(len(clean) + 1)
                texts.append(clean[:k] + broken[i:j] + clean[k:])
            texts.append(broken)
    pool = sorted(set(charset._WINDOWS[0].pattern) | set("aZ \n.,Ã€™°²"))
    texts += ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 30))) for _ in range(3000)]
    assert any(ftfy_badness(t) for t in texts)
    for text in texts:
        assert charset.badness(text) == ftfy_badness(text), repr(text)


def test_looks_like_mojibake():
    assert not charset.looks_like_mojibake(VIETNAMESE)
    assert charset.looks_like_mojibake(VIETNAMESE.encode("utf-8").decode("cp1252", "replace"))
    assert not charset.looks_like_mojibake("Hà Nội \ufffd\ufffd")     # replaced bytes are not
