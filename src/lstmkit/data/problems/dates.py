"""Date normalisation: read a date as people write it, write it in ISO 8601.

``"3rd of March 1998"``, ``"03/03/98"``, ``"Tuesday, March 3, 1998"`` ... -> ``"1998-03-03"``.
Dates are uniform over 1900-01-01 .. 2099-12-31 and written with Python's datetime in one
of ``FORMATS``, chosen uniformly. Every format is unambiguous, so the task has one right
answer:

- numbers separated by "/" are month first (US), by "." or "-" day first (European), and a
  four-digit year written first is followed by month then day;
- a two-digit year follows Python's ``%y`` rule (69-99 -> 1969-1999, 00-68 -> 2000-2068), so
  formats with one are used only for dates in 1969-2068;
- names are English (fixed tables, whatever the machine's locale).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from lstmkit.errors import InputError, check_positive_int

FIRST, LAST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
SHORT_YEARS = (1969, 2068)  # the years a two-digit year can name (Python's %y rule)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Fields: {d} day, {dd} zero-padded day, {th} ordinal day ("3rd"), {m} month, {mm} zero-padded
# month, {B} month name, {b} its first three letters, {A} weekday, {a} its first three letters,
# {Y} four-digit year, {y} two-digit year. A trailing ".lower"/".upper" changes the case.
FORMATS = (
    "{Y}-{mm}-{dd}",  # 1998-03-03
    "{Y}/{mm}/{dd}",  # 1998/03/03
    "{Y}{mm}{dd}",  # 19980303
    "{mm}/{dd}/{Y}",  # 03/03/1998
    "{mm}/{dd}/{y}",  # 03/03/98
    "{m}/{d}/{Y}",  # 3/3/1998
    "{dd}.{mm}.{Y}",  # 03.03.1998
    "{d}.{m}.{y}",  # 3.3.98
    "{dd}-{mm}-{Y}",  # 03-03-1998
    "{d} {B} {Y}",  # 3 March 1998
    "{dd} {b} {Y}",  # 03 Mar 1998
    "{th} of {B} {Y}",  # 3rd of March 1998
    "{th} {B} {Y}",  # 3rd March 1998
    "the {th} of {B}, {Y}",  # the 3rd of March, 1998
    "{B} {d}, {Y}",  # March 3, 1998
    "{B} {th}, {Y}",  # March 3rd, 1998
    "{b} {d}, {Y}",  # Mar 3, 1998
    "{b} {d} {y}",  # Mar 3 98
    "{A}, {B} {d}, {Y}",  # Tuesday, March 3, 1998
    "{A} {th} {B} {Y}",  # Tuesday 3rd March 1998
    "{a} {dd} {b} {Y}",  # Tue 03 Mar 1998
    "{a}, {d} {b} {y}",  # Tue, 3 Mar 98
    "{dd}-{b}-{Y}.upper",  # 03-MAR-1998
    "{B} {d} {Y}.lower",  # march 3 1998
    "{d} {b} {Y}.lower",  # 3 mar 1998
)


def ordinal(day: int) -> str:
    """1 -> "1st", 2 -> "2nd", 3 -> "3rd", 11 -> "11th", 22 -> "22nd"."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def write_date(date: dt.date, form: str) -> str:
    """``date`` written in the format ``form`` (one of FORMATS)."""
    template, case = form, ""
    if form.endswith((".upper", ".lower")):
        template, case = form[:-6], form[-5:]
    text = template.format(
        d=date.day, dd=f"{date.day:02d}", th=ordinal(date.day), m=date.month, mm=f"{date.month:02d}",
        B=MONTHS[date.month - 1], b=MONTHS[date.month - 1][:3], A=WEEKDAYS[date.weekday()],
        a=WEEKDAYS[date.weekday()][:3], Y=f"{date.year:04d}", y=f"{date.year % 100:02d}")
    return text.upper() if case == "upper" else text.lower() if case == "lower" else text


def dates(n: int, rng=None, formats: tuple[str, ...] = FORMATS) -> tuple[list[str], list[str]]:
    """``n`` random dates as ``(sources, targets)``: human-readable strings and ISO 8601 strings.

    >>> dates(2, rng=0)  # doctest: +SKIP
    (['Mar 3, 1998', '14.11.27'], ['1998-03-03', '2027-11-14'])
    """
    n = check_positive_int("n", n)
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise InputError(f"formats must be a non-empty selection of dates.FORMATS; received "
                         f"{unknown[0] if unknown else formats!r}")
    rng = np.random.default_rng(rng)
    offsets = rng.integers(0, (LAST - FIRST).days + 1, size=n)
    chosen = rng.integers(0, len(formats), size=n)
    long_years = [f for f in formats if "{y}" not in f] or [FORMATS[0]]
    backup = rng.integers(0, len(long_years), size=n)  # for two-digit-year formats out of range
    sources, targets = [], []
    for offset, k, j in zip(offsets.tolist(), chosen.tolist(), backup.tolist()):
        date = FIRST + dt.timedelta(days=offset)
        form = formats[k]
        if "{y}" in form and not SHORT_YEARS[0] <= date.year <= SHORT_YEARS[1]:
            form = long_years[j]
        sources.append(write_date(date, form))
        targets.append(date.isoformat())
    return sources, targets
