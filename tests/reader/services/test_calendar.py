"""Listing day of a submission follows arXiv's 14:00 ET cut-off and Sun-Thu announcements."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reader.arxiv.calendar import announcement_evening, issue_date_for

ET = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("submitted", "evening"),
    [
        (datetime(2026, 8, 10, 10, 0, tzinfo=ET), date(2026, 8, 10)),  # Mon before cut-off
        (datetime(2026, 8, 10, 14, 0, tzinfo=ET), date(2026, 8, 11)),  # Mon at cut-off -> Tue
        (datetime(2026, 8, 11, 15, 0, tzinfo=ET), date(2026, 8, 12)),  # Tue after -> Wed
        (datetime(2026, 8, 13, 15, 0, tzinfo=ET), date(2026, 8, 16)),  # Thu after -> Sun
        (datetime(2026, 8, 14, 9, 0, tzinfo=ET), date(2026, 8, 16)),  # Fri before -> Sun
        (datetime(2026, 8, 14, 15, 0, tzinfo=ET), date(2026, 8, 17)),  # Fri after -> Mon
        (datetime(2026, 8, 15, 12, 0, tzinfo=ET), date(2026, 8, 17)),  # Sat -> Mon
        (datetime(2026, 8, 16, 23, 0, tzinfo=ET), date(2026, 8, 17)),  # Sun -> Mon
    ],
)
def test_announcement_evening(submitted, evening):
    assert announcement_evening(submitted) == evening


def test_issue_date_is_the_day_after_the_evening_and_handles_utc():
    # 2026-08-11 19:30 UTC = 15:30 ET Tuesday -> announced Wed 12th -> listing dated Thu 13th.
    submitted = datetime(2026, 8, 11, 19, 30, tzinfo=ZoneInfo("UTC"))
    assert issue_date_for(submitted) == date(2026, 8, 13)
