from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ..conftest import make_staff
from ..workbench.bank import build_bank


@pytest.fixture
def day():
    return timezone.localdate()


@pytest.fixture
def bank(db, day):
    return build_bank(day)


@pytest.fixture
def head(db):
    """H001 刘芳, branch head of B01 (the bank's customers C001, C002, C003, C005)."""
    return make_staff("H001", "刘芳", "branch_head", team="")


def at(day: dt.date, hh: int = 14, mm: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=timezone.get_current_timezone())
