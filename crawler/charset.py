"""How a page's bytes become text: one decision, used by the crawl and by `extract` / `reextract`.

    read_html(body, content_type) -> Decoded(text, encoding, why)
    looks_like_mojibake(text) -> bool

A charset is decided by what the decoded text *is*, not by what decodes (windows-1252 decodes any
byte string). The candidates are the byte order mark (which wins outright), the Content-Type
header's charset, the page's own ``<meta charset>``, UTF-8, and charset-normalizer's guess. Each
candidate decodes the page's non-ASCII lines with invalid bytes replaced, and is scored by how
much the result looks like mojibake or noise:

* ftfy's ``badness`` (sequences that are the signature of text decoded with the wrong code page,
  such as ``HÃ Ná»™i``) and the replacement characters, per non-ASCII character;
* charset-normalizer's ``mess_ratio`` (the share of characters in implausible company).

A body that is valid UTF-8 (and not ASCII) is read as UTF-8 without scoring: UTF-8's multi-byte
structure does not happen by accident, unlike "it decodes" in a single-byte code page.
Otherwise the cleanest reading wins; on a tie the declaration (header, then meta) is kept. So a
UTF-8 page with a few invalid bytes served as ``charset=windows-1252`` is read as UTF-8 with those
bytes replaced, and a Windows-1258 page mislabelled UTF-8 is read as Windows-1258. NUL bytes,
which no HTML page means, are dropped.

`looks_like_mojibake` is the check a reading of a page must pass before it is stored
(crawler/page.py): text that still reads as mojibake after the best decoding (a page that was
double-encoded at the source) is refused and named, never stored.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass

SAMPLE_BYTES = 64 * 1024      # the non-ASCII lines a candidate is scored on (a page is ~100 KB)
REPLACEMENT = "\ufffd"


@dataclass
class Decoded:
    text: str
    encoding: str              # Python codec name, e.g. "utf-8", "cp1258"
    why: str                   # "bom", "header", "meta", "detected", "default", "ascii"
    # the body itself when `text` is exactly its UTF-8 reading (valid UTF-8, no byte order mark,
    # no NUL byte): the HTML parser can read those bytes instead of the text (no re-encoding)
    utf8: bytes | None = None


def codec_name(label: str | None) -> str | None:
    """The Python codec behind a charset label (WHATWG aliases: latin-1 means windows-1252)."""
    if not label:
        return None
    from w3lib.encoding import resolve_encoding
    name = resolve_encoding(label)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(the header's codec, the page's <meta> codec), each None when absent or unknown."""
    from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding
    header = http_content_type_encoding(content_type or "") if content_type else None
    return codec_name(header), codec_name(html_body_declared_encoding(body))


def _sample(body: bytes) -> bytes:
    """The page's lines holding non-ASCII bytes, up to SAMPLE_BYTES: what charsets differ on."""
    out, size = [], 0
    for line in body.split(b"\n"):
        if not line.isascii():
            out.append(line)
            size += len(line)
            if size >= SAMPLE_BYTES:
                break
    return b"\n".join(out)


def noise(text: str) -> float:
    """How much `text` looks like mojibake or noise: 0 for clean text, higher for worse."""
    from charset_normalizer.md import mess_ratio
    non_ascii = sum(1 for c in text if ord(c) > 127) or 1
    bad = badness(text.replace(REPLACEMENT, "")) + 2 * text.count(REPLACEMENT)
    return bad / non_ascii + mess_ratio(text, 1.0)


def _detected(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes
    best = from_bytes(sample).best()
    return codec_name(best.encoding) if best is not None else None


def choose_encoding(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(codec, why) the page `body` is read with; see the module docstring."""
    codec, why, _ = _choose(body, content_type)
    return codec, why


def _choose(body: bytes, content_type: str | None) -> tuple[str, str, str | None]:
    """(codec, why, the text when deciding already decoded the whole body, else None)."""
    from w3lib.encoding import read_bom
    bom, _ = read_bom(body)
    if bom:
        return codec_name(bom) or "utf-8", "bom", None
    header, meta = declared_charsets(body, content_type)
    if body.isascii():
        return header or meta or "utf-8", "ascii", None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:                          # multi-byte structure is no accident: UTF-8 it is
        return "utf-8", ("header" if header == "utf-8" else "meta" if meta == "utf-8"
                         else "valid-utf-8"), text
    sample = _sample(body)
    candidates: list[tuple[str, str]] = []
    for codec, why in ((header, "header"), (meta, "meta"), ("utf-8", "default")):
        if codec and codec not in (c for c, _ in candidates):
            candidates.append((codec, why))
    guess = _detected(sample)
    if guess and guess not in (c for c, _ in candidates):
        candidates.append((guess, "detected"))
    if len(candidates) == 1:
        return (*candidates[0], None)
    scored = []
    for rank, (codec, why) in enumerate(candidates):
        try:
            text = sample.decode(codec, errors="replace")
        except LookupError:
            continue
        scored.append((round(noise(text), 4), rank, codec, why))
    _, _, codec, why = min(scored)
    return codec, why, None


def read_html(body: bytes | str, content_type: str | None = None) -> Decoded:
    """The page's text (invalid bytes replaced, NUL bytes dropped) and how it was decided."""
    if isinstance(body, str):
        return Decoded(_without_nul(body), "unicode", "text")
    codec, why, text = _choose(body, content_type)
    exact = text is not None or (codec == "utf-8" and why == "ascii")
    if text is None:              # (not None: valid UTF-8, already decoded whole in choosing)
        if why == "bom":
            from w3lib.encoding import read_bom
            body = body[len(read_bom(body)[1] or b""):]
        text = body.decode(codec, errors="replace")
    if exact and body.find(b"\x00") < 0:     # (a NUL byte is a NUL in UTF-8 text: looked for
        return Decoded(text, codec, why, utf8=body)   # in the bytes, four times as fast)
    return Decoded(_without_nul(text), codec, why)


def _without_nul(text: str) -> str:
    # (str.find: twice as fast as `in` on text that is not Latin-1)
    return text.replace("\x00", "") if text.find("\x00") >= 0 else text


def looks_like_mojibake(text: str | None) -> bool:
    """True when `text` reads as mojibake (ftfy's badness): none allowed in a short text such as
    a title, one sequence per 5,000 characters in a body. Replacement characters (invalid bytes
    replaced) are not mojibake."""
    if not text:
        return False
    allowed = len(text) // 5000
    return badness(text.replace(REPLACEMENT, ""), stop_above=allowed) > allowed


# --- ftfy's badness, read only where it can match ---------------------------------------------
#
# ftfy's `badness(text)` is the number of matches of one large expression (`BADNESS_RE`: 37
# alternatives of unlikely character sequences) run over the whole text: most of the cost of
# reading a page after its parsing. Yet each alternative must contain at least one of a small
# set of characters (the symbols, C1 controls and rare letters that mojibake is made of, as ftfy
# itself lists them), and a match is at most a few characters long. So the same count is
# obtained by running the expression only on the windows around those characters. The set and
# the width are derived from ftfy's own expression when this module is imported (so a new ftfy
# is followed, not copied); if its form is not one this derivation understands, the whole text
# is read as before.

# a letter of Vietnamese text: a vowel with the marks Vietnamese writes on vowels, or đ / Đ
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323")


def _vietnamese_letter(char: str) -> bool:
    import unicodedata
    decomposed = unicodedata.normalize("NFD", char)
    return char in "đĐ" or (decomposed[0].lower() in "aeiouy" and
                             all(mark in _VIETNAMESE_MARKS for mark in decomposed[1:]))


def _badness_windows():
    """(the expression finding the characters every match of ftfy's BADNESS_RE contains, the
    longest match's width), or None when BADNESS_RE's form is not understood."""
    import re
    try:
        from re import _constants as C, _parser as parser
        from ftfy.badness import BADNESS_RE
        if BADNESS_RE.flags & (re.IGNORECASE | re.MULTILINE):
            return None
        parsed = parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
        width = parsed.getwidth()[1]
        if width >= C.MAXREPEAT or len(parsed.data) != 1 or parsed.data[0][0] is not C.BRANCH:
            return None
        allowed = {C.LITERAL, C.IN, C.MAX_REPEAT, C.ANY, C.AT}
        wanted: set[str] = set()
        for branch in parsed.data[0][1][1]:
            options = []                  # the character sets this alternative must contain one of
            for op, arg in branch.data:
                if op not in allowed or (op is C.AT and arg is not C.AT_BEGINNING):
                    return None           # a lookaround, a group, an anchor: not derived
                if op is C.MAX_REPEAT and any(o not in (C.LITERAL, C.IN) for o, _ in arg[2].data):
                    return None
                chars = None
                if op is C.LITERAL:
                    chars = {chr(arg)}
                elif op is C.IN and all(o in (C.LITERAL, C.RANGE) for o, _ in arg):
                    chars = set()
                    for o, a in arg:
                        chars.update({chr(a)} if o is C.LITERAL else map(chr, range(a[0], a[1] + 1)))
                if chars and not any(c.isascii() for c in chars):
                    options.append(chars)
            if not options:
                return None
            # the set least common in Vietnamese text: fewest of its lower-case letters (most of
            # a text), then fewest of its letters, then the smallest
            wanted |= min(options, key=lambda s: (
                sum(_vietnamese_letter(c) and c.islower() for c in s),
                sum(map(_vietnamese_letter, s)), len(s)))
        return re.compile("[" + "".join(re.escape(c) for c in sorted(wanted)) + "]"), width
    except Exception:        # an ftfy or Python whose expression or parser differs: read it all
        return None


_WINDOWS = _badness_windows()


def badness(text: str, stop_above: int | None = None) -> int:
    """ftfy's `badness(text)` (the number of unlikely character sequences), the same count, read
    only in the windows around the characters every such sequence contains. With `stop_above`,
    counting may stop once the count exceeds it."""
    from ftfy.badness import BADNESS_RE
    if _WINDOWS is None:
        return len(BADNESS_RE.findall(text))
    candidates, width = _WINDOWS
    count = 0
    start = end = -1
    for m in candidates.finditer(text):
        # every match holding this character lies within `width` of it; windows that touch are
        # merged, so that no match is split and matches are counted left to right as in the text
        low, high = max(0, m.start() - width), m.end() + width
        if low <= end:
            end = high
            continue
        if end >= 0:
            count += len(BADNESS_RE.findall(text, start, end))
            if stop_above is not None and count > stop_above:
                return count
        start, end = low, high
    if end >= 0:
        count += len(BADNESS_RE.findall(text, start, end))
    return count
