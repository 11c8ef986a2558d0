"""Today (/today/): the market brief, the RM's ranked tasks with reasons and offers, progress, filters,
follow-ups and appointments due today; a do-not-disturb outcome hides phone tasks at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yuanwei.web.apps.workbench.models import Appointment, ContactLog, FollowUp, Task

from .bank import PUB
from .pins import PINS

pytestmark = pytest.mark.django_db


def test_it_lists_the_rms_tasks_in_rank_order_with_reasons(client, rm, bank):
    client.force_login(rm)
    r = client.get("/today/")
    assert r.status_code == 200
    body = r.content.decode()
    # R001's three tasks, in rank order; R002's task is not there
    assert body.index("刘建国") < body.index("马小军") < body.index("C005")
    assert "孙美华" not in body
    assert "大额入账" in body and "产品到期" in body           # reason badges
    assert "昨日入账 ¥520,000.00，为近90日日均入账的38倍" in body  # the explanation with its numbers
    assert "稳盈90天理财" in body and "三年期大额存单" in body   # offers by name
    assert "10:30-11:30" in body                                # suggested call window
    assert "营销" in body and "关怀" in body                     # purposes


def test_it_shows_the_market_brief(client, rm, bank):
    client.force_login(rm)
    body = client.get("/today/").content.decode()
    assert "上证指数" in body and "3366.00" in body and "+2.00%" in body
    assert "黄金 Au9999" in body and "央行开展逆回购操作" in body


def test_it_shows_an_empty_state_without_a_run(client, rm):
    client.force_login(rm)
    body = client.get("/today/").content.decode()
    assert "今天还没有任务" in body and "暂无行情与资讯" in body


def test_it_shows_progress_toward_the_days_target(client, rm, bank, day):
    client.force_login(rm)
    assert '<b>0</b>/3' in client.get("/today/").content.decode()
    ContactLog.objects.create(customer_id="C001", staff=rm, channel="phone", outcome="reached")
    body = client.get("/today/").content.decode()
    assert '<b>1</b>/3' in body and "任务 1/3 已完成，剩 2" in body
    # the row's cached part (published content) does not hide the new state
    assert '<article class="wb-task done" id="task-C001">' in body and "✓ 已联系" in body


@pytest.mark.parametrize("query, shown, hidden", [
    ("rule=birthday", ["马小军"], ["刘建国", "C005"]),
    ("purpose=marketing", ["刘建国", "C005"], ["马小军"]),
    ("tier=财富", ["刘建国"], ["马小军", "C005"]),
    ("status=done", ["刘建国"], ["马小军", "C005"]),
    ("status=open", ["马小军", "C005"], ["刘建国"]),
])
def test_it_filters_the_list_as_an_htmx_fragment(client, rm, bank, query, shown, hidden):
    ContactLog.objects.create(customer_id="C001", staff=rm, channel="phone", outcome="reached")
    client.force_login(rm)
    r = client.get(f"/today/?{query}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-list")
    body = r.content.decode()
    assert "<html" not in body  # a fragment, not the page
    for name in shown:
        assert name in body, (query, name)
    for name in hidden:
        assert name not in body, (query, name)


def test_it_lists_follow_ups_and_appointments_due_today(client, rm, bank, day):
    FollowUp.objects.create(customer_id="C003", staff=rm, due_on=day, note="确认生日礼品")
    FollowUp.objects.create(customer_id="C001", staff=rm, due_on=day + dt.timedelta(days=3), note="下周再说")
    tz = timezone.get_current_timezone()
    Appointment.objects.create(customer_id="C001", staff=rm, kind="branch", place="城东支行贵宾室",
                               starts_at=dt.datetime.combine(day, dt.time(15, 0), tzinfo=tz))
    client.force_login(rm)
    body = client.get("/today/").content.decode()
    assert "确认生日礼品" in body and "下周再说" not in body
    assert "城东支行贵宾室" in body and "15:00" in body


def test_a_do_not_disturb_outcome_hides_phone_tasks_at_once(client, rm, other_rm, bank, day):
    # another RM's contact recorded DND for C005 yesterday: R001's phone task for C005 disappears
    ContactLog.objects.create(customer_id="C005", staff=other_rm, channel="phone", outcome="do_not_disturb",
                              at=timezone.now() - dt.timedelta(days=1))
    client.force_login(rm)
    body = client.get("/today/").content.decode()
    assert "C005" not in body and "刘建国" in body


def test_it_escapes_a_customer_name_with_markup(client, rm, bank):
    client.force_login(rm)
    body = client.get("/today/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;b&gt;赵&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_its_query_count_is_pinned_and_flat(client, rm, bank, day, django_assert_max_num_queries):
    client.force_login(rm)
    client.get("/today/")  # warm the session
    with django_assert_max_num_queries(PINS["workbench:today"]):
        assert client.get("/today/").status_code == 200
    # twenty more tasks (and contacts) must not add a query: no N+1
    for i in range(20):
        c = bank["customers"]["C001"]
        c.pk = f"X{i:03d}"
        c.name = f"客户{i}"
        c.save(force_insert=True)
        Task.objects.create(date=day, staff_id="R001", rank=10 + i, customer_id=c.pk, rules="idle_cash",
                            purpose="marketing", offers="P100", channel="phone", **PUB)
        ContactLog.objects.create(customer_id=c.pk, staff=rm, channel="phone", outcome="reached")
    with django_assert_max_num_queries(PINS["workbench:today"]):
        body = client.get("/today/").content.decode()
    assert "客户19" in body
    with django_assert_max_num_queries(PINS["workbench:today:filter"]):
        client.get("/today/?purpose=care", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-list")


def test_it_refuses_an_inactive_user(client, left_rm, bank):
    client.force_login(left_rm)
    r = client.get("/today/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_a_cross_sell_offer_of_a_service_reads_in_chinese(client, rm, bank):
    Task.objects.filter(customer_id="C003").update(offers="third_party_binding;P100")
    client.force_login(rm)
    row = client.get("/today/").content.decode().split('id="task-C003"')[1].split("</article>")[0]
    assert "第三方支付绑卡" in row and "稳盈90天理财" in row and "third_party_binding</span>" not in row


def test_it_shows_the_model_that_ordered_the_list(client, rm, bank):
    from yuanwei.web.apps.workbench.models import Task

    Task.objects.update(model_version="lgbm-20261130-0001", row_hash="changed")
    client.force_login(rm)
    assert "模型 lgbm-20261130-0001" in client.get("/today/").content.decode()
