"""The one date reader: every form in which a page states when an article was published, read in
one place for the site rules and every fallback (crawler/extraction.py finds the elements).

- `parse_date_text(text)`: a date as a reader sees it: dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy,
  yyyy-mm-dd, "ngày 11 tháng 6 năm 2019", "November 20, 2026" / "20 Nov 2026"; with or without a
  weekday ("Thứ Ba,"); the time before or after it ("08:15 | 20/11/2026", "(06:00 20/11/2026)",
  "17h54", "8:15 PM", "08:15 SA"); a stated zone ("(GMT+7)", "UTC+2", "+02:00").
- `parse_iso_datetime(value)`: a machine-readable stamp (meta content, `datetime=`, JSON-LD,
  an epoch in a data-* attribute), falling back to the visible forms.
- `element_date(element)`: what a date element states: its machine-readable attributes
  (content, datetime, title, data-*) before its text.
- `parse_relative(text, fetched_at)`: "15 phút trước", "3 giờ trước", "hôm qua", "2 days ago",
  counted back from the fetch time: only ever the last layer, and marked approximate.

Always ISO 8601 at +07:00, the same instant the page states (a time in another zone is
converted, never relabelled; a time stated without a zone is in the zone the page's metadata
states with an offset other than UTC's, `page_zone`, else Vietnam time); to the minute when a time is shown, the day alone when none is
(never invented, and a day without a time is never moved to another day).

Why not dateparser for all of it: it reads every form above correctly (measured: Vietnamese,
relative, English months) but takes 1-3 ms a call (60 ms for the first) against microseconds for
these expressions, cannot say whether a time was stated, and the page path's budget is 2 ms.
htmldate is the generic layer for pages where none of these finds a date (extraction.py).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))
# The zone of the page being read, for the times it shows without one (`page_zone`).
_PAGE_ZONE: ContextVar[timezone | None] = ContextVar("page_zone", default=None)

# dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy (one separator throughout)
DATE = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?![\d/]|[.\-]\d)")
YEAR_FIRST = re.compile(r"(?<![\d/.\-])(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?![\d/]|[.\-]\d)")
WORDS = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)?\s*(\d{4})", re.I)
MONTHS = {m: i for i, names in enumerate((
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
    "aug august", "sep sept september", "oct october", "nov november", "dec december"), 1)
    for m in names.split()}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
MONTH_FIRST = re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)", re.I)
DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?" + _MONTH
                       + r",?\s+(\d{4})(?!\d)", re.I)
TIME = re.compile(r"(?<![\d:.,/])([01]?\d|2[0-3])\s*(?::|h|g|giờ)\s*([0-5]\d)(?::([0-5]\d))?"
                  r"(?:\.\d+)?(?:\s*(a\.?m\.?|p\.?m\.?|sa|ch)(?![^\W\d_]))?(?![\d/])", re.I)
ZONE = re.compile(r"(?:\b(?:GMT|UTC)\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?)|"
                  r"(?<=:\d\d)\s?([+\-−])(\d{2}):?(\d{2})\b|(\b(?:GMT|UTC)\b|(?<=\d)Z\b)")
UPDATED = re.compile(r"(cập nhật|sửa|updated?|modified|edited|aktualisiert|mis à jour)\W*$", re.I)
HAS_YEAR = re.compile(r"\d{4}")
EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")


def parse_date_text(text: str | None) -> str | None:
    """A date as a page shows it (see the module docstring) -> ISO 8601 at +07:00, or None.

    The first date stated wins, unless a label says it is the update ("Cập nhật 20/11 ...");
    the time is the one closest to it; a stated zone converts the instant."""
    if not text:
        return None
    found = _dates(text)
    if not found:
        return None
    if len(found) > 1:
        published = [f for f in found if not UPDATED.search(text[max(0, f[0] - 25):f[0]])]
        found = published or found
    start, end, year, month, day = found[0]
    try:
        datetime(year, month, day)
    except ValueError:
        return None
    time = _closest_time(text, start, end)
    if not time:
        return f"{year:04d}-{month:02d}-{day:02d}"
    hour, minute, second, half = time
    if half:
        half = half.lower().replace(".", "")
        if half in ("pm", "ch") and hour < 12:
            hour += 12
        elif half in ("am", "sa") and hour == 12:
            hour = 0
    zone = _zone(text) or _PAGE_ZONE.get()
    try:
        stamp = datetime(year, month, day, hour, minute, second, tzinfo=zone or VIETNAM)
    except ValueError:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return stamp.astimezone(VIETNAM).isoformat()


def _dates(text: str) -> list[tuple[int, int, int, int, int]]:
    """(start, end, year, month, day) of every date in `text`, in page order."""
    if not HAS_YEAR.search(text):
        return []
    out = []
    for m in DATE.finditer(text):
        out.append((m.start(), m.end(), int(m.group(4)), int(m.group(3)), int(m.group(1))))
    for m in YEAR_FIRST.finditer(text):
        out.append((m.start(), m.end(), int(m.group(1)), int(m.group(3)), int(m.group(4))))
    for m in WORDS.finditer(text):
        out.append((m.start(), m.end(), int(m.group(3)), int(m.group(2)), int(m.group(1))))
    if not out:
        for m in MONTH_FIRST.finditer(text):
            out.append((m.start(), m.end(), int(m.group(3)), MONTHS[m.group(1).lower()[:3]
                        if m.group(1).lower()[:4] != "sept" else "sep"], int(m.group(2))))
        for m in DAY_FIRST.finditer(text):
            out.append((m.start(), m.end(), int(m.group(3)), MONTHS[m.group(2).lower()[:3]],
                        int(m.group(1))))
    overlapping = {a for a in out for b in out if a is not b and b[0] <= a[0] < b[1]
                   and (b[1] - b[0]) > (a[1] - a[0])}
    return sorted(d for d in out if d not in overlapping and 1 <= d[3] <= 12)


def date_spans(text: str | None) -> list[tuple[int, int]]:
    """Where `text` states a date (any form `parse_date_text` reads), in page order."""
    return [(d[0], d[1]) for d in _dates(text)] if text else []


def time_spans(text: str | None) -> list[tuple[int, int]]:
    """Where `text` states a time of day."""
    return [m.span() for m in TIME.finditer(text)] if text else []


def _closest_time(text: str, start: int, end: int):
    """(hour, minute, second, am/pm) of the time nearest the date at text[start:end]."""
    best = None
    for m in TIME.finditer(text):
        if start <= m.start() < end:
            continue
        distance = m.start() - end if m.start() >= end else start - m.end()
        if distance > 40:
            continue
        if best is None or distance < best[0]:
            best = (distance, m)
    if best is None:
        return None
    m = best[1]
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4)


def _zone(text: str) -> timezone | None:
    m = ZONE.search(text)
    if not m:
        return None
    if m.group(7):
        return timezone.utc
    sign, hours, minutes = (m.group(1), m.group(2), m.group(3)) if m.group(1) else \
        (m.group(4), m.group(5), m.group(6))
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset > timedelta(hours=14):
        return None
    return timezone(-offset if sign in "-−" else offset)


def parse_vietnamese_datetime(text: str | None) -> str | None:
    """The visible forms (`parse_date_text`); the name the site rules have always used."""
    return parse_date_text(text)


def stated_zone(*values: str | None) -> timezone | None:
    """The UTC offset the first of these ISO stamps states ("...+02:00", "...Z"), or None."""
    for value in values:
        m = re.search(r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(Z|[+\-]\d\d:?\d\d)$", (value or "").strip())
        if m:
            if m.group(1) == "Z":
                return timezone.utc
            sign, digits = m.group(1)[0], m.group(1)[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            return timezone(-offset if sign == "-" else offset)
    return None


@contextmanager
def page_zone(zone: timezone | None):
    """Within it, a time a page shows without a zone is read in `zone` (the offset the page's
    metadata states: a page in Germany stating "+01:00" there and "20.11.2026 10:00" on the
    page means 16:00 in Vietnam). UTC is not taken for it: a CMS often writes its stamps in UTC
    while the page shows local time. None: Vietnam time."""
    token = _PAGE_ZONE.set(zone if zone is not None and zone.utcoffset(None) else None)
    try:
        yield
    finally:
        _PAGE_ZONE.reset(token)


def parse_iso_datetime(value: str | None, zone: timezone | None = None) -> str | None:
    """A machine-readable stamp (ISO 8601, an epoch in seconds or milliseconds), expressed at
    +07:00; a naive stamp is in `zone` (the zone the page's other stamps state), else Vietnam
    time; any other form goes to `parse_date_text`."""
    if not value:
        return None
    value = value.strip()
    if EPOCH.match(value):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        if 946684800 <= seconds <= 4102444800:           # 2000 .. 2100
            return datetime.fromtimestamp(seconds, VIETNAM).replace(second=0).isoformat()
        return None
    iso = value.replace("Z", "+00:00").replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d", value) \
        else value
    iso = re.sub(r"([+\-]\d\d)(\d\d)$", r"\1:\2", iso)         # +0700 -> +07:00
    try:
        stamp = datetime.fromisoformat(iso)
    except ValueError:
        return parse_date_text(value)
    if len(iso) <= 10 or (stamp.hour, stamp.minute, stamp.second) == (0, 0, 0):
        return stamp.date().isoformat()        # a day (a CMS's midnight is no time of day)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone or _PAGE_ZONE.get() or VIETNAM)
    return stamp.astimezone(VIETNAM).replace(microsecond=0).isoformat()


DATE_ATTRIBUTES = ("content", "datetime", "title", "data-time", "data-date", "data-datetime",
                   "data-timestamp", "data-publish-date", "data-published", "data-utime")


def element_date(element, shown: bool = True) -> str | None:
    """What a date element states: a machine-readable attribute (content=, datetime=, title=,
    data-*=) that holds a date, before the text it shows (`shown` False: attributes only)."""
    best = None
    for name in (*DATE_ATTRIBUTES, *(a for a in element.attrib if a.startswith("data-")
                                     and a not in DATE_ATTRIBUTES)):
        value = element.get(name)
        if not value or len(value) > 60:
            continue
        stated = parse_iso_datetime(value)
        if stated:
            if has_time(stated):
                return stated
            best = best or stated
    if element.tag == "meta" or not shown:
        return best
    text = parse_date_text(" ".join(element.itertext()))
    return better_date(best, text) if best else text


RELATIVE = re.compile(
    r"(\d+)\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm|seconds?|secs?|minutes?|mins?|hours?|"
    r"hrs?|days?|weeks?|months?|years?)\s*(?:trước|ago)\b", re.I)
YESTERDAY = re.compile(r"\b(hôm qua|yesterday)\b", re.I)
TODAY = re.compile(r"\b(hôm nay|today|vừa xong|just now)\b", re.I)
UNITS = {"giây": "seconds", "sec": "seconds", "second": "seconds", "phút": "minutes",
         "min": "minutes", "minute": "minutes", "giờ": "hours", "tiếng": "hours",
         "hour": "hours", "hr": "hours", "ngày": "days", "day": "days", "tuần": "weeks",
         "week": "weeks", "tháng": "months", "month": "months", "năm": "years", "year": "years"}


def parse_relative(text: str | None, fetched_at: str | datetime | None) -> str | None:
    """'15 phút trước', '3 giờ trước', 'hôm qua', '2 days ago' counted back from the fetch time
    (now when unknown): to the minute for minutes and hours, the day alone for days and more."""
    if not text or len(text) > 80:
        return None
    m = RELATIVE.search(text)
    if m:
        now = _counted_from(fetched_at)
        unit = m.group(2).lower()
        unit = UNITS.get(unit) or UNITS.get(unit.rstrip("s"), "days")
        count = int(m.group(1))
        if unit in ("seconds", "minutes", "hours"):
            return (now - timedelta(**{unit: count})).replace(second=0, microsecond=0).isoformat()
        days = count * {"days": 1, "weeks": 7, "months": 30, "years": 365}[unit]
        return (now - timedelta(days=days)).date().isoformat()
    if YESTERDAY.search(text):
        return (_counted_from(fetched_at) - timedelta(days=1)).date().isoformat()
    if TODAY.search(text):
        return _counted_from(fetched_at).date().isoformat()
    return None


def _counted_from(fetched_at: str | datetime | None) -> datetime:
    """The fetch time at +07:00 (now when unknown): read only once a relative form is found
    (most texts asked are not one: an author candidate, a line near the headline)."""
    if isinstance(fetched_at, datetime):
        now = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=VIETNAM)
    else:
        stated = parse_iso_datetime(fetched_at) if fetched_at else None
        now = datetime.fromisoformat(stated) if has_time(stated) else datetime.now(VIETNAM)
    return now.astimezone(VIETNAM)


def has_time(iso: str | None) -> bool:
    return bool(iso) and len(iso) > 10


def better_date(first: str | None, second: str | None) -> str | None:
    """`first`, unless it is missing, or a bare day and `second` is the same day to the minute."""
    if not first or (not has_time(first) and has_time(second) and second[:10] == first):
        return second or first or None
    return first
