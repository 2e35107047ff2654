"""Billing periods in calendar months, always counted from the subscription's start so a
period ending on the 31st never drifts to the 28th for good."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months, the day clamped to the month's length."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(started_at: datetime, months_per_period: int, period: int) -> datetime:
    """When period number `period` (1 = the purchase) ends."""
    return add_months(started_at, months_per_period * period)


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; every stored timestamp is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
