"""Dates as people write them, keeping the precision the source gives.

``2014-11-28`` (``xsd:date``) is "28 November 2014", ``2022-03`` (``xsd:gYearMonth``) is
"March 2022", ``2019`` (``xsd:gYear``) is "2019". Anything else is returned as it is.
"""

from __future__ import annotations

import re

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_TYPES = {XSD + "date", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTime"}
_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?(?:Z|[+-]\d{2}:\d{2})?$")


def human_date(text: str) -> str:
    """``text`` (an ISO date of day, month or year precision) as people write it."""
    match = _DATE.match(text.strip())
    if not match:
        return text
    year, month, day = match.groups()
    try:
        if month and not 1 <= int(month) <= 12:
            return text
        if day:
            return f"{int(day)} {MONTHS[int(month) - 1]} {year}"
        if month:
            return f"{MONTHS[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return text
    return year


def year_of(text: str) -> int | None:
    """The year of an ISO date of any precision, or ``None``."""
    match = _DATE.match(text.strip())
    return int(match.group(1)) if match else None


def sort_key(text: str | None) -> str:
    """A key that orders dates of mixed precision (lexical order of the ISO form)."""
    return text or ""


def period(start: str | None, end: str | None, ended: bool = False) -> str:
    """A period: "2014 to March 2022", "since March 2022", "2019" (same start and end)."""
    if start and end:
        if start == end:
            return human_date(start)
        return f"{human_date(start)} to {human_date(end)}"
    if start:
        return (
            f"{human_date(start)}, ended (date not stated)"
            if ended
            else f"since {human_date(start)}"
        )
    if end:
        return f"until {human_date(end)}"
    return "ended (dates not stated)" if ended else "dates not stated"
