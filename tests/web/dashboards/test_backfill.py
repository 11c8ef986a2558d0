"""A bank's first publish rebuilds weekly history from dated published rows (services, contacts,
balances), so coverage and the basic products show movement from the first day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yuanwei.web.apps.customers import models as cm
from yuanwei.web.apps.dashboards.models import DailyCoverage
from yuanwei.web.apps.dashboards.snapshot import backfill, record_publication
from yuanwei.web.apps.workbench.models import ContactLog

from .conftest import PUB, _customer, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(db, day, rm):
    """P1 (since 2018, R001, 金卡): mobile banking since D−100, credit card since D−20, a contact on
    D−10, balances on D−15 and D−8. P2 (opened D−10, R001): mobile banking since D−9, a contact an RM
    logged on D−8, no balances."""
    d = lambda n: day - dt.timedelta(days=n)  # noqa: E731
    p1 = _customer("P1", "金卡", remote="R001", services=("mobile_banking", "credit_card"), aum="100000")
    p2 = _customer("P2", "金卡", remote="R001", services=("mobile_banking",), aum="0")
    cm.Customer.objects.filter(pk="P2").update(opened_on=d(10))
    cm.Service.objects.create(customer=p1, service="mobile_banking", since=d(100), **PUB)
    cm.Service.objects.create(customer=p1, service="credit_card", since=d(20), **PUB)
    cm.Service.objects.create(customer=p2, service="mobile_banking", since=d(9), **PUB)
    cm.ContactHistory.objects.create(contact_id="K1", customer=p1, staff_id="R001", at=at(d(10)), channel="phone",
                                     outcome="reached", **PUB)
    ContactLog.objects.create(customer_id="P2", staff=rm, at=at(d(8)), channel="phone", outcome="reached")
    for as_of, aum, cur, td in ((d(15), "90000", "5000", "40000"), (d(8), "100000", "10000", "40000")):
        cm.BalanceSnapshot.objects.create(customer=p1, as_of=as_of, aum=Decimal(aum), current=Decimal(cur),
                                          time_deposit=Decimal(td), investments=Decimal(0), **PUB)
    return day


def _row(date):
    r = DailyCoverage.objects.get(date=date)
    return (r.customers, r.contacted_30, r.mobile_banking, r.credit_card, r.aum, r.deposits)


def test_it_rebuilds_weekly_history_from_dated_rows(history, day):
    assert backfill(day, weeks=2) == [day - dt.timedelta(days=14), day - dt.timedelta(days=7)]
    # D−7: P1 and P2 (opened D−10); both contacted; mobile both, credit P1; balances of D−8 (P1)
    assert _row(day - dt.timedelta(days=7)) == (2, 2, 2, 1, Decimal("100000"), Decimal("50000"))
    # D−14: P2 not yet a customer; P1's contact (D−10) is later; credit card since D−20; balances of D−15
    assert _row(day - dt.timedelta(days=14)) == (1, 0, 1, 1, Decimal("90000"), Decimal("45000"))
    assert backfill(day, weeks=2) == []  # days already recorded are kept


def test_the_first_publish_records_twelve_weeks_and_later_ones_none(history, day):
    record_publication(day)
    assert DailyCoverage.objects.values("date").distinct().count() == 13
    record_publication(day + dt.timedelta(days=1))
    assert DailyCoverage.objects.values("date").distinct().count() == 14


def test_the_page_compares_with_rebuilt_history_from_the_first_day(client, history, day):
    from ..conftest import make_staff

    client.force_login(make_staff("H001", "刘芳", "branch_head", team=""))
    ctx = client.get("/dashboards/").context
    assert ctx["base_day"] == day - dt.timedelta(days=35)  # the latest week at least 30 days old
    pen = {p["key"]: p for p in ctx["penetration"]}
    # D−35: P1 alone, mobile banking only; today both customers have mobile banking, P1 a credit card
    assert pen["credit_card"]["change"] == pytest.approx(0.5) and pen["mobile_banking"]["change"] == 0
    assert len(ctx["chart"]["dates"]) == 13
