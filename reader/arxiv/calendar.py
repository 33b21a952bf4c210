"""arXiv's announcement calendar: which listing day a submission lands in (arxiv.md §7).

A submission is announced after the next weekday 14:00 US Eastern cut-off: cut-offs Monday to
Thursday are announced at 20:00 the same day, Friday's on Sunday at 20:00. A listing day is
dated the calendar day after the announcement evening, as the RSS feeds date it.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
FRIDAY = 4


def announcement_evening(submitted: datetime) -> date:
    """The date (Eastern) of the 20:00 announcement that first includes a submission."""
    local = submitted.astimezone(EASTERN)
    day = local.date()
    if local.time() >= CUTOFF:
        day += timedelta(days=1)
    while day.weekday() > FRIDAY:  # no cut-off at weekends
        day += timedelta(days=1)
    return day + timedelta(days=2) if day.weekday() == FRIDAY else day


def issue_date_for(submitted: datetime) -> date:
    """The listing day (the day after the announcement evening) for a submission time."""
    return announcement_evening(submitted) + timedelta(days=1)


ANNOUNCEMENT_TIME = time(20, 0)
ANNOUNCEMENT_WEEKDAYS = {6, 0, 1, 2, 3}  # Sunday to Thursday evenings


def current_listing_date(now: datetime) -> date:
    """The listing day of the latest announcement made by ``now`` (holidays not known)."""
    local = now.astimezone(EASTERN)
    day = local.date() if local.time() >= ANNOUNCEMENT_TIME else local.date() - timedelta(days=1)
    while day.weekday() not in ANNOUNCEMENT_WEEKDAYS:
        day -= timedelta(days=1)
    return day + timedelta(days=1)
