import datetime as dt

import pytest


@pytest.fixture
def customers(db):
    """Three published customers: one consenting, one without marketing consent, one do-not-disturb."""
    from yuanwei.web.apps.customers.models import Branch, Customer

    Branch.objects.create(branch_id="B01", name="锦江支行", row_key="B01", row_hash="x")
    base = dict(gender="M", birth_date=dt.date(1960, 11, 30), branch_id="B01", opened_on=dt.date(2015, 1, 1),
                row_hash="x", persona="retiree", tier="金卡")
    out = {}
    for cid, name, consent, dnd in (("C001", "王建国", True, False), ("C002", "李秀英", False, False),
                                    ("C003", "张伟", True, True)):
        out[cid] = Customer.objects.create(customer_id=cid, row_key=cid, name=name, phone=f"1381234{cid[-4:]}",
                                           marketing_consent=consent, do_not_disturb=dnd, **base)
    return out


@pytest.fixture
def market(db):
    from yuanwei.web.apps.customers.models import MarketClose, News

    for as_of, close in ((dt.date(2026, 11, 27), "3300.00"), (dt.date(2026, 11, 28), "3399.00")):
        MarketClose.objects.create(symbol="SSE_COMPOSITE", as_of=as_of, close=close,
                                   row_key=f"SSE{as_of}", row_hash="x")
    tz = dt.timezone(dt.timedelta(hours=8))
    News.objects.create(published_at=dt.datetime(2026, 11, 29, 9, tzinfo=tz), source="新华社",
                        title="央行开展逆回购操作<script>", row_key="n1", row_hash="x")


@pytest.fixture
def birthday_tasks(customers, rm):
    from yuanwei.web.apps.customers.models import Relative
    from yuanwei.web.apps.workbench.models import Task

    day = dt.date(2026, 11, 30)
    Relative.objects.create(customer_id="C002", relation="child", name="李小明", birth_date=dt.date(2010, 12, 1),
                            row_key="C002child", row_hash="x")
    for rank, (cid, rules) in enumerate((("C001", "birthday"), ("C002", "relative_birthday;idle_cash"),
                                         ("C003", "birthday")), 1):
        Task.objects.create(date=day, staff_id="R001", rank=rank, customer_id=cid, rules=rules, purpose="care",
                            row_key=f"{day}{cid}", row_hash="x")
    return day
