"""Demo scale on SQLite: 20,000 customers with 60 balance snapshots each publish in well under a
minute, and the next day's run publishes only what changed, faster (figures in docs/web.md)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from yuanwei.web.apps.customers.models import BalanceSnapshot, Customer
from yuanwei.web.bootstrap import publish_run

from .volume import write_volume_run

D = dt.date(2026, 3, 16)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twenty_thousand_customers_publish_in_well_under_a_minute(home):
    write_volume_run(home.runs_dir, D)
    t = time.perf_counter()
    first = publish_run(home, D)
    first_s = time.perf_counter() - t

    write_volume_run(home.runs_dir, D + dt.timedelta(days=1), shift=1)
    t = time.perf_counter()
    second = publish_run(home, D + dt.timedelta(days=1))
    second_s = time.perf_counter() - t
    print(f"\npublish 20,000 customers / 1,200,000 balances: first {first_s:.1f}s, next day {second_s:.1f}s")

    assert first["balances"]["inserted"] == 1_200_000 and first["profiles"]["inserted"] == 20_000
    # the window moved by a day: one new snapshot and one dropped per customer, history untouched
    assert second["balances"] == {"inserted": 20_000, "updated": 0, "deleted": 20_000, "unchanged": 1_180_000}
    assert second["profiles"]["updated"] == 20_000  # days_since_contact grows for everyone
    assert second["holdings"]["updated"] == 2_000   # every 10th customer's amount changed
    assert BalanceSnapshot.objects.count() == 1_200_000 and Customer.objects.count() == 20_000
    assert first_s < 60
    assert second_s < first_s
