"""A small published bank in the app DB, built with the ORM (what a publish would have loaded).

Branch B01 (team 一组: R001 王丽 and team lead L001; team 二组: R002 李强), branch B02 (H002 赵刚).

  C001 刘建国  B01, remote R001, 财富, two relatives, balances, a maturing holding, flows, signals; task #1 of R001
  C002 孙美华  B01, remote R002 (the other team)                           ; task #1 of R002
  C003 马小军  B01, no assignment: a long-tail customer of R001's task list  ; task #2 of R001
  C004 黄志强  B02, remote R201                                             ; none of B01's
  C005 <b>赵</b><script>alert(1)</script>  B01, remote R001: a name with markup ; task #3 of R001
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from yuanwei.web.apps.customers import models as cm
from yuanwei.web.apps.workbench.models import Task

PUB = {"row_key": "k", "row_hash": "h"}
XSS_NAME = "<b>赵</b><script>alert(1)</script>"


def _customer(cid, name, branch, phone, tier="金卡", aum="120000.00", **kw):
    return cm.Customer.objects.create(
        customer_id=cid, name=name, gender="M", birth_date=dt.date(1972, 5, 17), age=54, phone=phone,
        branch_id=branch, opened_on=dt.date(2015, 3, 2), marketing_consent=True, do_not_call=False,
        do_not_disturb=False, tier=tier, persona="salaried", familiarity="B", aum=Decimal(aum),
        aum_avg30=Decimal(aum), current=Decimal("20000.00"), time_deposit=Decimal("50000.00"),
        investments=Decimal(aum) - Decimal("70000.00"), risk_level="C3", risk_assessed_on=dt.date(2026, 3, 1),
        has_mobile_banking=True, has_credit_card=False, has_third_party_binding=True, has_investment=True,
        **PUB, **kw)


def build_bank(day: dt.date) -> dict:
    cm.Branch.objects.create(branch_id="B01", name="城东支行", **PUB)
    cm.Branch.objects.create(branch_id="B02", name="城西支行", **PUB)
    for sid, name, role, branch, team in (("R001", "王丽", "remote_rm", "B01", "一组"),
                                          ("L001", "张敏", "team_lead", "B01", "一组"),
                                          ("R002", "李强", "remote_rm", "B01", "二组"),
                                          ("H002", "赵刚", "branch_head", "B02", None),
                                          ("R201", "钱伟", "remote_rm", "B02", "三组")):
        cm.Staff.objects.create(staff_id=sid, name=name, role=role, branch_id=branch, team=team,
                                hired_on=dt.date(2020, 3, 1), **PUB)
    cm.Product.objects.create(product_id="P100", name="稳盈90天理财", category="wealth", risk_rating="R2",
                              min_amount=Decimal("10000.00"), sale_start=day - dt.timedelta(days=30), **PUB)
    cm.Product.objects.create(product_id="P200", name="三年期大额存单", category="certificate", risk_rating="R1",
                              min_amount=Decimal("200000.00"), sale_start=day - dt.timedelta(days=30), **PUB)
    c1 = _customer("C001", "刘建国", "B01", "13812345678", tier="财富", aum="820000.00", remote_staff_id="R001")
    c2 = _customer("C002", "孙美华", "B01", "13900001111", remote_staff_id="R002")
    c3 = _customer("C003", "马小军", "B01", "13700002222", tier="大众", aum="32000.00")
    c4 = _customer("C004", "黄志强", "B02", "13600003333", remote_staff_id="R201")
    c5 = _customer("C005", XSS_NAME, "B01", "13500004444", remote_staff_id="R001")
    for c, staff in ((c1, "R001"), (c2, "R002"), (c4, "R201"), (c5, "R001")):
        cm.Assignment.objects.create(customer=c, staff_id=staff, role="remote", since=dt.date(2024, 1, 1), **PUB)
    cm.Relative.objects.create(customer=c1, relation="spouse", name="王秀英", birth_date=dt.date(1974, 8, 2), **PUB)
    cm.Relative.objects.create(customer=c1, relation="child", name="刘洋", birth_date=dt.date(2001, 1, 9), **PUB)
    for i in range(30):
        d = day - dt.timedelta(days=30 - i)
        cm.BalanceSnapshot.objects.create(customer=c1, as_of=d, current=Decimal("20000.00"),
                                          time_deposit=Decimal("300000.00"), investments=Decimal("500000.00"),
                                          aum=Decimal("800000.00") + i * Decimal("1000.00"), **PUB)
    cm.Holding.objects.create(holding_id="H1", customer=c1, product_id="P100", product_name="稳盈90天理财",
                              category="wealth", risk_rating="R2", amount=Decimal("300000.00"),
                              bought_on=day - dt.timedelta(days=85), matures_on=day + dt.timedelta(days=5),
                              market_value=Decimal("303100.00"), gain=Decimal("3100.00"), **PUB)
    tz = timezone.get_current_timezone()
    for i in range(3):
        cm.Flow.objects.create(txn_id=f"T{i}", customer=c1, account_id="A1",
                               booked_at=dt.datetime.combine(day - dt.timedelta(days=1 + i), dt.time(10, 0), tzinfo=tz),
                               amount=Decimal("520000.00") if i == 0 else Decimal("-300.00"),
                               kind="transfer" if i == 0 else "card", **PUB)
    cm.Signal.objects.create(date=day, customer=c1, rule="large_inflow", urgency=3, due_date=day,
                             evidence={"credits": "520000.00"},
                             explanation="昨日入账 ¥520,000.00，为近90日日均入账的38倍", **PUB)
    cm.Signal.objects.create(date=day, customer=c1, rule="maturity", urgency=2, due_date=day + dt.timedelta(days=5),
                             evidence={}, explanation="稳盈90天理财 ¥300,000.00 将于5天后到期", **PUB)
    cm.ChannelPlan.objects.create(customer=c1, channel="wealth_center", plan="财富中心季度沙龙邀约",
                                  valid_from=day - dt.timedelta(days=3), valid_to=day + dt.timedelta(days=10),
                                  staff_id="W001", **PUB)
    cm.ContactHistory.objects.create(contact_id="K1", customer=c1, staff_id="R001",
                                     at=dt.datetime.combine(day - dt.timedelta(days=20), dt.time(15, 0), tzinfo=tz),
                                     channel="phone", outcome="reached", note="客户关注理财到期安排", **PUB)
    cm.MarketClose.objects.create(symbol="SSE_COMPOSITE", as_of=day - dt.timedelta(days=2), close=Decimal("3300"), **PUB)
    cm.MarketClose.objects.create(symbol="SSE_COMPOSITE", as_of=day - dt.timedelta(days=1), close=Decimal("3366"), **PUB)
    cm.MarketClose.objects.create(symbol="GOLD_AU9999", as_of=day - dt.timedelta(days=1), close=Decimal("612.5"), **PUB)
    cm.News.objects.create(published_at=dt.datetime.combine(day - dt.timedelta(days=1), dt.time(18, 0), tzinfo=tz),
                           source="新华社", title="央行开展逆回购操作", **PUB)

    def task(staff, rank, c, rules, purpose, offers="", channel="phone", explanation=""):
        return Task.objects.create(date=day, staff_id=staff, rank=rank, customer=c, rules=rules, purpose=purpose,
                                   channel=channel, offers=offers, window="10:30-11:30", score=0.9 - rank / 10,
                                   explanation=explanation, policy_notes="", **PUB)

    tasks = {
        "t1": task("R001", 1, c1, "large_inflow;maturity", "marketing", "P100;P200",
                   explanation="昨日入账 ¥520,000.00，为近90日日均入账的38倍"),
        "t3": task("R001", 2, c3, "birthday", "care", explanation="客户生日在2天后"),
        "t5": task("R001", 3, c5, "no_recent_contact", "marketing", "P200", explanation="超过90天未联系"),
        "t2": task("R002", 1, c2, "idle_cash", "marketing", "P100", explanation="活期余额 ¥80,000.00"),
    }
    return {"customers": {c.customer_id: c for c in (c1, c2, c3, c4, c5)}, **tasks}
