"""GET /api/tasks?date=D: the caller's tasks, scoped like the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from yuanwei.web.apps.workbench.models import ContactLog

from ..workbench.pins import PINS

pytestmark = pytest.mark.django_db


def test_it_lists_the_rms_tasks(client, rm, bank, bearer, day):
    ContactLog.objects.create(customer_id="C001", staff=rm, channel="phone", outcome="reached")
    r = client.get(f"/api/tasks?date={day.isoformat()}", **bearer("R001"))
    rows = r.json()
    assert [t["customer_id"] for t in rows] == ["C001", "C003", "C005"]
    t = rows[0]
    assert t["rules"] == ["large_inflow", "maturity"] and t["rule_labels"] == ["大额入账", "产品到期"]
    assert t["offers"] == ["P100", "P200"] and t["window"] == "10:30-11:30" and t["done"] is True
    assert rows[1]["done"] is False


def test_a_team_lead_gets_the_teams_tasks_and_another_day_is_empty(client, rm, team_lead, bank, bearer, day):
    h = bearer("L001")
    assert {t["staff_id"] for t in client.get("/api/tasks", **h).json()} == {"R001"}
    assert client.get(f"/api/tasks?date={(day - dt.timedelta(days=1)).isoformat()}", **h).json() == []


def test_it_validates_the_date(client, rm, bank, bearer):
    assert client.get("/api/tasks?date=2026-13-01", **bearer("R001")).status_code == 422


def test_its_query_count_is_pinned(client, rm, bank, bearer, django_assert_max_num_queries):
    h = bearer("R001")
    with django_assert_max_num_queries(PINS["api:tasks"]):
        assert client.get("/api/tasks", **h).status_code == 200


def test_a_do_not_disturb_outcome_hides_the_phone_task(client, rm, other_rm, bank, bearer):
    import datetime as dt

    from django.utils import timezone

    ContactLog.objects.create(customer_id="C005", staff=other_rm, channel="phone", outcome="do_not_disturb",
                              at=timezone.now() - dt.timedelta(days=1))
    rows = client.get("/api/tasks", **bearer("R001")).json()
    assert [t["customer_id"] for t in rows] == ["C001", "C003"]
