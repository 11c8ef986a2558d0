import datetime as dt
from decimal import Decimal

import pytest

from ..conftest import make_staff

DAY = dt.date(2026, 11, 30)


def _pub(model, **kw):
    return model.objects.create(row_key=str(kw.get(next(iter(kw)))), row_hash="x", **kw)


@pytest.fixture
def bank(db, rm, other_rm, team_lead):
    """Branch B01: RMs R001 (一组) and R002 (二组), advisor W001, customers C1 (财富, advisor W001),
    C2 (金卡), C3 (金卡, no marketing consent); campaign product P90 (R2 wealth) on sale."""
    from yuanwei.web.apps.customers.models import Branch, Customer, Product, Staff

    make_staff("W001", "孙悦", "wealth_advisor")
    head = make_staff("H001", "周行长", "branch_head", team="")
    # the published staff table, as a run would publish it (scoping reads it)
    for sid, name, role, team in (("R001", "王丽", "remote_rm", "一组"), ("R002", "李强", "remote_rm", "二组"),
                                  ("L001", "张敏", "team_lead", "一组"), ("W001", "孙悦", "wealth_advisor", ""),
                                  ("H001", "周行长", "branch_head", "")):
        _pub(Staff, staff_id=sid, name=name, role=role, branch_id="B01", team=team, hired_on=dt.date(2020, 3, 1))
    _pub(Branch, branch_id="B01", name="锦江支行")
    _pub(Product, product_id="P90", name="稳享90天理财", category="wealth", risk_rating="R2",
         min_amount=Decimal("10000.00"), sale_start=dt.date(2026, 1, 1), term_days=90)
    base = dict(gender="M", birth_date=dt.date(1975, 5, 5), phone="13812345678", branch_id="B01",
                opened_on=dt.date(2015, 1, 1), risk_level="C3", risk_assessed_on=dt.date(2026, 6, 1), age=51,
                persona="salaried")
    _pub(Customer, customer_id="C1", name="王建国", tier="财富", aum=Decimal("800000.00"), marketing_consent=True,
         remote_staff_id="R001", advisor_staff_id="W001", **base)
    _pub(Customer, customer_id="C2", name="李秀英", tier="金卡", aum=Decimal("120000.00"), marketing_consent=True,
         remote_staff_id="R001", **base)
    _pub(Customer, customer_id="C3", name="张伟", tier="金卡", aum=Decimal("90000.00"), marketing_consent=False,
         remote_staff_id="R002", **base)
    return {"head": head}


@pytest.fixture
def campaign(bank, settings, tmp_path):
    from yuanwei.paths import Home
    from yuanwei.web.apps.campaigns.services import create_campaign

    settings.HOME = Home(tmp_path / "home").ensure()
    return create_campaign(user=bank["head"], branch_id="B01", name="稳享90天冲刺", product_ids=["P90"],
                           starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 12, 31),
                           branch_quota=Decimal("1000000.00"), segment_filters={"tiers": ["财富", "金卡"]}, day=DAY)
