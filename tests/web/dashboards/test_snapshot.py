"""Each publish records the day's snapshot (history for the dashboards' movement)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yuanwei.web.apps.customers.models import Customer, Publication
from yuanwei.web.apps.dashboards.models import DailyCoverage, FamiliarityMove
from yuanwei.web.apps.dashboards.snapshot import record_day

pytestmark = pytest.mark.django_db


def test_a_publication_records_the_days_snapshot(extract, day):
    Publication.objects.create(date=day, started_at=timezone.now(), duration_s=1.0)
    rows = DailyCoverage.objects.filter(date=day)
    b01 = [r for r in rows if r.branch_id == "B01"]
    assert sum(r.customers for r in b01) == 6 and sum(r.contacted_30 for r in b01) == 3
    assert sum(r.mobile_banking for r in b01) == 5 and FamiliarityMove.objects.count() == 1


def test_recording_a_day_again_gives_the_same_rows(extract, day):
    record_day(day)
    first = list(DailyCoverage.objects.filter(date=day).order_by("branch_id", "staff_id", "tier")
                 .values_list("branch_id", "staff_id", "tier", "customers", "contacted_30", "aum"))
    record_day(day)
    again = list(DailyCoverage.objects.filter(date=day).order_by("branch_id", "staff_id", "tier")
                 .values_list("branch_id", "staff_id", "tier", "customers", "contacted_30", "aum"))
    assert first == again and FamiliarityMove.objects.count() == 1


def test_a_familiarity_move_is_recorded_once_with_its_rm(extract, day):
    record_day(day)
    Customer.objects.filter(customer_id="K3").update(familiarity="B")
    record_day(day + dt.timedelta(days=1))
    move = FamiliarityMove.objects.get(customer_id="K3")
    assert (move.from_level, move.to_level, move.staff_id, move.branch_id) == ("C", "B", "R002", "B01")


def test_publishing_a_run_records_its_snapshot(home):
    """Through the real publish (run files → app DB): the snapshot of the run's date is there."""
    from yuanwei.web.bootstrap import publish_run

    from ..customers.runfiles import sample_run, write_run

    d = dt.date(2026, 3, 16)
    write_run(home.runs_dir, d, sample_run(d))
    publish_run(home, d)
    rows = DailyCoverage.objects.filter(date=d)
    assert sum(r.customers for r in rows) == Customer.objects.count() == 3
    assert sum(r.aum for r in rows) == sum(c.aum or 0 for c in Customer.objects.all())
    publish_run(home, d)  # republishing the same run: the same snapshot
    assert DailyCoverage.objects.filter(date=d).count() == rows.count()


def test_a_failing_snapshot_never_fails_the_publish(extract, day, monkeypatch):
    from yuanwei.web.apps.dashboards import snapshot

    def broken(d):
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshot, "record_publication", broken)
    Publication.objects.create(date=day, started_at=timezone.now(), duration_s=1.0)
    assert Publication.objects.filter(date=day).exists() and not DailyCoverage.objects.filter(date=day).exists()
