"""Setting the branch's deposits / AUM target from the dashboard (/dashboards/targets/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yuanwei.web.apps.dashboards.models import Target

pytestmark = pytest.mark.django_db


def _post(client, day, **kw):
    return client.post("/dashboards/targets/", {"metric": "deposits", "amount": "1200000.00",
                                                "period_start": day.replace(day=1).isoformat(),
                                                "period_end": (day + dt.timedelta(days=31)).isoformat(), **kw})


def test_a_branch_head_sets_the_branchs_target(client, head, extract, day):
    client.force_login(head)
    assert 'id="target-form"' in client.get("/dashboards/").content.decode()
    assert _post(client, day).status_code == 302
    t = Target.objects.get(metric="deposits", amount=Decimal("1200000.00"))
    assert t.branch_id == "B01" and t.set_by == head
    money = {m["key"]: m for m in client.get("/dashboards/").context["money"]}
    # the fixture's target covers today too: the more recent period's counts
    assert money["deposits"]["target"] == Decimal("1200000.00")
    _post(client, day, amount="1500000")  # the same period again replaces it
    assert Target.objects.filter(metric="deposits", branch_id="B01").count() == 2
    assert Target.objects.filter(amount=Decimal("1500000")).exists()


def test_it_validates_the_period_and_amount(client, head, extract, day):
    client.force_login(head)
    before = Target.objects.count()
    r = _post(client, day, amount="-5", period_end=(day - dt.timedelta(days=90)).isoformat())
    assert r.status_code == 302 and Target.objects.count() == before
    body = client.get("/dashboards/").content.decode()
    assert "截止日期早于起始日期" in body and "目标金额须大于0" in body


def test_it_refuses_a_team_lead_and_an_rm(client, team_lead, rm, extract, day):
    for user in (team_lead, rm):
        client.force_login(user)
        assert _post(client, day).status_code == 403
    assert not Target.objects.filter(amount=Decimal("1200000.00")).exists()
