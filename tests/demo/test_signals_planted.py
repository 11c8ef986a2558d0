"""Every default signal of DESIGN §4 fires for a run of D = end + 1 on the demo bank.

Each check is a plain SQL query written from the rule's text (``signal_queries``); dates are D
and D−1 (= end). The bank has 1,000 customers; planting gives at least two customers per rule
and per branch of a two-branch rule.
"""

from __future__ import annotations

import pytest

from .conftest import D, END
from .signal_queries import count, queries

MIN_PER_RULE = 2
SIGNALS = queries(D)


def d(offset: int) -> str:
    import datetime as dt

    return f"DATE '{D + dt.timedelta(days=offset)}'"


@pytest.mark.parametrize("rule", SIGNALS)
def test_each_default_signal_fires(bank, rule):
    n = count(bank, SIGNALS[rule])
    assert n >= MIN_PER_RULE, f"{rule}: {n} customers for D = {D}"


def test_a_29_february_birthday_counts_on_28_february(bank):
    # D … D+2 = 27 Feb … 1 Mar 2027 (not a leap year): someone born on 29 Feb is planted
    n = count(bank, "SELECT count(*) FROM customers WHERE month(birth_date) = 2 AND day(birth_date) = 29")
    assert n >= 1


def test_the_index_fell_at_least_three_percent_on_the_last_trading_day(bank):
    rows = bank.execute(f"""SELECT as_of, close FROM market WHERE symbol = 'SSE_COMPOSITE' AND as_of <= {d(-1)}
                            ORDER BY as_of DESC LIMIT 2""").fetchall()
    (last_day, last), (_, prev) = rows
    assert last_day <= END and last_day.weekday() < 5
    assert abs(last / prev - 1) >= 0.03


def test_no_signal_is_planted_on_everyone(bank):
    # signals are exceptions: each rule fires for a minority of the bank
    total = count(bank, "SELECT count(*) FROM customers")
    for rule in ("large_inflow (C ≥ 50,000)", "tier_up", "aum_drop", "payroll_stopped", "new_customer"):
        assert count(bank, SIGNALS[rule]) < total * 0.2, rule
