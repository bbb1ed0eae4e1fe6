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
    from ftfy.badness import badness
    non_ascii = sum(1 for c in text if ord(c) > 127) or 1
    bad = badness(text.replace(REPLACEMENT, "")) + 2 * text.count(REPLACEMENT)
    return bad / non_ascii + mess_ratio(text, 1.0)


def _valid_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detected(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes
    best = from_bytes(sample).best()
    return codec_name(best.encoding) if best is not None else None


def choose_encoding(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(codec, why) the page `body` is read with; see the module docstring."""
    from w3lib.encoding import read_bom
    bom, _ = read_bom(body)
    if bom:
        return codec_name(bom) or "utf-8", "bom"
    header, meta = declared_charsets(body, content_type)
    if body.isascii():
        return header or meta or "utf-8", "ascii"
    if _valid_utf8(body):          # multi-byte structure is no accident: UTF-8 it is
        return "utf-8", ("header" if header == "utf-8" else "meta" if meta == "utf-8"
                         else "valid-utf-8")
    sample = _sample(body)
    candidates: list[tuple[str, str]] = []
    for codec, why in ((header, "header"), (meta, "meta"), ("utf-8", "default")):
        if codec and codec not in (c for c, _ in candidates):
            candidates.append((codec, why))
    guess = _detected(sample)
    if guess and guess not in (c for c, _ in candidates):
        candidates.append((guess, "detected"))
    if len(candidates) == 1:
        return candidates[0]
    scored = []
    for rank, (codec, why) in enumerate(candidates):
        try:
            text = sample.decode(codec, errors="replace")
        except LookupError:
            continue
        scored.append((round(noise(text), 4), rank, codec, why))
    _, _, codec, why = min(scored)
    return codec, why


def read_html(body: bytes | str, content_type: str | None = None) -> Decoded:
    """The page's text (invalid bytes replaced, NUL bytes dropped) and how it was decided."""
    if isinstance(body, str):
        return Decoded(body.replace("\x00", ""), "unicode", "text")
    codec, why = choose_encoding(body, content_type)
    if why == "bom":
        from w3lib.encoding import read_bom
        body = body[len(read_bom(body)[1] or b""):]
    text = body.decode(codec, errors="replace")
    return Decoded(text.replace("\x00", ""), codec, why)


def looks_like_mojibake(text: str | None) -> bool:
    """True when `text` reads as mojibake (ftfy's badness): none allowed in a short text such as
    a title, one sequence per 5,000 characters in a body. Replacement characters (invalid bytes
    replaced) are not mojibake."""
    if not text:
        return False
    from ftfy.badness import badness
    return badness(text.replace(REPLACEMENT, "")) > len(text) // 5000
