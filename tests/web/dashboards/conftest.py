"""A small extract whose dashboard numbers are computed by hand (docs/events-and-dashboards.md).

Branch B01 on day D (today), six customers; B02 one (K7, never in B01's numbers):

  id  tier  RM            last contact      logged in app   mobile credit third invest  fam  aum      current  td
  K1  财富  R001 remote   D−5 10:00         —               Y      Y      -     Y       A    600000   100000   200000
  K2  金卡  R001 remote   D−40              —               Y      -      Y     -       B    100000   30000    50000
  K3  金卡  R002 owner    —                 D 09:00         -      -      -     -       C    80000    80000    0
  K4  大众  — long tail   D−100             —               Y      -      -     -       C    20000    20000    0
  K5  大众  — long tail   D−29 00:00        —               Y      -      Y     -       —    10000    10000    0
  K6  财富  R001 remote   D−30 23:59        —               Y      Y      Y     Y       A    900000   100000   300000

Thirty days earlier (the baseline snapshot): K5 had no mobile banking, K6 no investment, K2 was
familiarity C, K1's current balance was 50,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from yuanwei.web.apps.customers import models as cm
from yuanwei.web.apps.dashboards.models import Target
from yuanwei.web.apps.dashboards.snapshot import record_day
from yuanwei.web.apps.workbench.models import ContactLog

from ..conftest import make_staff

PUB = {"row_key": "k", "row_hash": "h"}


def at(day: dt.date, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def day():
    return timezone.localdate()


@pytest.fixture
def head(db):
    return make_staff("H001", "刘芳", "branch_head", team="")


def _customer(cid, tier, branch="B01", remote=None, owner=None, last=None, services=(), fam=None,
              aum="0", current="0", td="0", employer=None):
    return cm.Customer.objects.create(
        customer_id=cid, name=f"客户{cid}", gender="F", birth_date=dt.date(1980, 1, 1), age=46, phone="13800000000",
        branch_id=branch, opened_on=dt.date(2018, 1, 1), marketing_consent=cid != "K3", tier=tier,
        remote_staff_id=remote, owner_staff_id=owner, last_contact_at=last, familiarity=fam,
        aum=Decimal(aum), current=Decimal(current), time_deposit=Decimal(td), employer_id=employer,
        **{f"has_{s}": (s in services) for s in ("mobile_banking", "credit_card", "third_party_binding", "investment")},
        **PUB)


@pytest.fixture
def extract(db, day, rm, other_rm):
    d = lambda n: day - dt.timedelta(days=n)  # noqa: E731
    cm.Branch.objects.create(branch_id="B01", name="城东支行", **PUB)
    cm.Branch.objects.create(branch_id="B02", name="城西支行", **PUB)
    for sid, name, branch, team in (("R001", "王丽", "B01", "一组"), ("L001", "张敏", "B01", "一组"),
                                    ("R002", "李强", "B01", "二组"), ("R201", "钱伟", "B02", "三组")):
        cm.Staff.objects.create(staff_id=sid, name=name, role="remote_rm", branch_id=branch, team=team,
                                hired_on=dt.date(2020, 1, 1), **PUB)
    cm.Employer.objects.create(employer_id="E1", name="蓉城精密制造有限公司", industry="制造业", headcount=40,
                               payroll_with_bank=False, **PUB)
    cm.Employer.objects.create(employer_id="E2", name="锦江教育集团", headcount=300, payroll_with_bank=True, **PUB)
    cm.Employer.objects.create(employer_id="E3", name="天府软件园", headcount=None, payroll_with_bank=None, **PUB)
    # the state thirty days ago
    _customer("K1", "财富", remote="R001", last=at(d(35)), services=("mobile_banking", "credit_card", "investment"),
              fam="A", aum="600000", current="50000", td="200000", employer="E1")
    _customer("K2", "金卡", remote="R001", last=at(d(40)), services=("mobile_banking", "third_party_binding"),
              fam="C", aum="100000", current="30000", td="50000", employer="E1")
    _customer("K3", "金卡", owner="R002", services=(), fam="C", aum="80000", current="80000", employer="E1")
    _customer("K4", "大众", last=at(d(100)), services=("mobile_banking",), fam="C", aum="20000", current="20000",
              employer="E2")
    _customer("K5", "大众", last=at(d(29), 0, 0), services=("third_party_binding",), aum="10000", current="10000",
              employer="E2")
    _customer("K6", "财富", remote="R001", last=at(d(30), 23, 59),
              services=("mobile_banking", "credit_card", "third_party_binding"), fam="A", aum="900000",
              current="100000", td="300000", employer="E3")
    _customer("K7", "财富", branch="B02", remote="R201", last=at(d(1)), services=("mobile_banking",), fam="A",
              aum="700000", current="700000", employer="E1")
    record_day(d(30))
    # … and what changed since
    cm.Customer.objects.filter(customer_id="K1").update(current=Decimal("100000"), last_contact_at=at(d(5)))
    cm.Customer.objects.filter(customer_id="K2").update(familiarity="B")
    cm.Customer.objects.filter(customer_id="K5").update(has_mobile_banking=True)
    cm.Customer.objects.filter(customer_id="K6").update(has_investment=True)
    ContactLog.objects.create(customer_id="K3", staff=other_rm, at=at(day, 9, 0), channel="phone", outcome="reached")
    # a contact logged a year ago counts for nothing
    ContactLog.objects.create(customer_id="K4", staff=rm, at=at(d(365)), channel="phone", outcome="reached")
    Target.objects.create(branch_id="B01", metric="deposits", amount=Decimal("1000000"), period_start=d(60),
                          period_end=day + dt.timedelta(days=30))
    Target.objects.create(branch_id="B01", metric="aum", amount=Decimal("2000000"), period_start=d(60),
                          period_end=day + dt.timedelta(days=30))
    Target.objects.create(branch_id="B01", metric="aum", amount=Decimal("9999999"), period_start=d(400),
                          period_end=d(200))  # an old period: ignored
    return day
