"""Dates as pages show them: 'DD/MM/YYYY HH:MM' in Vietnamese, ISO 8601 in metadata; always
ISO 8601 at +07:00, to the minute when a time is shown, the day alone when none is (never
invented)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))
DATE = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?!\d)")
TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[:hg]\s*(\d{2})(?!\d)")


def parse_vietnamese_datetime(text: str | None) -> str | None:
    """'26/01/2021 11:00', '08:49 | 06/08/2021', '(17:54 11/06/2019)' -> ISO 8601 at +07:00.

    Without a time of day, only the date is returned ('2021-01-26'): precision is never invented.
    """
    if not text:
        return None
    date = DATE.search(text)
    if not date:
        return None
    day, month, year = (int(g) for g in date.groups())
    rest = text[:date.start()] + " " + text[date.end():]
    time = TIME.search(rest)
    try:
        if time:
            hour, minute = int(time.group(1)), int(time.group(2))
            return datetime(year, month, day, hour, minute, tzinfo=VIETNAM).isoformat()
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None


def parse_iso_datetime(value: str | None) -> str | None:
    """An ISO 8601 stamp from page metadata, expressed at +07:00 (naive stamps are Vietnam time)."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return parse_vietnamese_datetime(value)
    if len(value) <= 10:
        return stamp.date().isoformat()
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=VIETNAM)
    return stamp.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def has_time(iso: str | None) -> bool:
    return bool(iso) and len(iso) > 10


def better_date(first: str | None, second: str | None) -> str | None:
    """`first`, unless it is missing, or a bare day and `second` is the same day to the minute."""
    if not first or (not has_time(first) and has_time(second) and second[:10] == first):
        return second or first or None
    return first
