"""Logging a contact: from the task row in three clicks, with validation, next steps and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yuanwei.web.apps.audit.models import AuditAction, AuditEvent
from yuanwei.web.apps.workbench.models import Appointment, ContactLog, FollowUp

from .pins import PINS

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_it_loads_the_form_into_the_task_row(client, rm, bank):
    client.force_login(rm)
    r = client.get("/customers/C001/contact/?origin=today", **HX)
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body
    assert 'name="outcome" value="reached"' in body and "已接通" in body and "免打扰" in body
    assert 'value="phone" checked' in body  # the task's channel is preselected: one click fewer


def test_it_logs_an_outcome_with_a_follow_up_and_redraws_the_row(client, rm, bank, day):
    client.force_login(rm)
    r = client.post("/customers/C001/contact/", {
        "origin": "today", "channel": "phone", "outcome": "interested", "note": "想了解大额存单",
        "next_step": "follow_up", "follow_up_on": (day + dt.timedelta(days=2)).isoformat()}, **HX)
    assert r.status_code == 200
    assert r["HX-Retarget"] == "#task-C001" and r["HX-Reswap"] == "outerHTML"
    body = r.content.decode()
    assert "✓ 已联系" in body and "已记录：刘建国 · 有意向" in body
    assert 'id="progress" class="wb-progress" hx-swap-oob="true"' in body and "<b>1</b>/3" in body
    c = ContactLog.objects.get()
    assert (c.customer_id, c.staff, c.outcome, c.channel, c.task_date, c.note) == (
        "C001", rm, "interested", "phone", day, "想了解大额存单")
    f = FollowUp.objects.get()
    assert (f.customer_id, f.due_on, f.contact) == ("C001", day + dt.timedelta(days=2), c)
    ev = AuditEvent.objects.get(action=AuditAction.CONTACT_CREATE)
    assert ev.object_id == c.contact_id and ev.detail["customer_id"] == "C001"


def test_it_logs_a_sale_with_product_and_amount(client, rm, bank):
    client.force_login(rm)
    client.post("/customers/C001/contact/", {"channel": "phone", "outcome": "sold", "product_id": "P100",
                                             "amount": "200000.00"}, **HX)
    c = ContactLog.objects.get()
    assert (c.product_id, str(c.amount)) == ("P100", "200000.00")


@pytest.mark.parametrize("data, field, message", [
    ({"channel": "phone"}, "outcome", "请选择联系结果"),
    ({"channel": "fax", "outcome": "reached"}, "channel", "渠道无效"),
    ({"channel": "phone", "outcome": "sold"}, "product_id", "成交须选择产品"),
    ({"channel": "phone", "outcome": "sold", "product_id": "P100"}, "amount", "成交须填写金额"),
    ({"channel": "phone", "outcome": "sold", "product_id": "NOPE", "amount": "100"}, "product_id", "产品不存在：NOPE"),
    ({"channel": "phone", "outcome": "sold", "product_id": "P100", "amount": "12.345"}, "amount", "最多两位小数"),
    ({"channel": "phone", "outcome": "reached", "amount": "100"}, "amount", "只有成交才填写金额"),
    ({"channel": "phone", "outcome": "reached", "next_step": "follow_up"}, "follow_up_on", "请填写跟进日期"),
    ({"channel": "phone", "outcome": "reached", "next_step": "follow_up", "follow_up_on": "2020-01-01"},
     "follow_up_on", "跟进日期不能早于今天"),
    ({"channel": "phone", "outcome": "appointment"}, "next_step", "须填写网点预约或上门拜访"),
    ({"channel": "phone", "outcome": "appointment", "next_step": "home_visit", "appointment_at": "2099-01-01 10:00"},
     "place", "请填写地点"),
    ({"channel": "phone", "outcome": "do_not_disturb", "next_step": "follow_up", "follow_up_on": "2099-01-01"},
     "next_step", "免打扰"),
])
def test_it_validates_with_clear_messages(client, rm, bank, data, field, message):
    client.force_login(rm)
    r = client.post("/customers/C001/contact/", {"origin": "today", **data}, **HX)
    assert r.status_code == 200 and "HX-Retarget" not in r
    assert message in r.content.decode()
    assert not ContactLog.objects.exists()


def test_it_books_a_home_visit_with_time_and_place(client, rm, bank, day):
    client.force_login(rm)
    when = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(14, 30))
    client.post("/customers/C001/contact/", {
        "channel": "phone", "outcome": "appointment", "next_step": "home_visit",
        "appointment_at": when.strftime("%Y-%m-%dT%H:%M"), "place": "幸福小区3栋"}, **HX)
    a = Appointment.objects.get()
    assert (a.kind, a.place, timezone.localtime(a.starts_at).replace(tzinfo=None)) == ("home_visit", "幸福小区3栋", when)


def test_a_do_not_disturb_outcome_removes_the_customers_phone_tasks(client, rm, other_rm, bank):
    # R002 records DND for C002 … and R002's phone task for C002 is gone from Today right away
    client.force_login(other_rm)
    assert "孙美华" in client.get("/today/").content.decode()
    client.post("/customers/C002/contact/", {"channel": "wechat", "outcome": "do_not_disturb"}, **HX)
    # the task row of the contact itself stays (it was worked); a new day's list would not show it
    ContactLog.objects.filter(customer_id="C002").update(at=timezone.now() - dt.timedelta(days=1))
    assert "孙美华" not in client.get("/today/").content.decode()
    assert "免打扰" in client.get("/customers/C002/").content.decode()


def test_a_contact_answers_the_open_follow_ups_due(client, rm, bank, day):
    FollowUp.objects.create(customer_id="C001", staff=rm, due_on=day - dt.timedelta(days=1))
    client.force_login(rm)
    client.post("/customers/C001/contact/", {"channel": "phone", "outcome": "reached"}, **HX)
    assert FollowUp.objects.get().done_at is not None


def test_without_htmx_it_redirects_with_a_message(client, rm, bank):
    client.force_login(rm)
    r = client.post("/customers/C001/contact/", {"channel": "phone", "outcome": "no_answer", "origin": "today"})
    assert r.status_code == 302 and r["Location"] == "/today/"
    r = client.post("/customers/C001/contact/", {"channel": "phone"})
    assert r.status_code == 400 and "请选择联系结果" in r.content.decode()


def test_it_needs_the_csrf_token(rm, bank):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(rm)
    assert c.post("/customers/C001/contact/", {"channel": "phone", "outcome": "reached"}).status_code == 403
    assert not ContactLog.objects.exists()


def test_its_query_count_is_pinned(client, rm, bank, django_assert_max_num_queries):
    client.force_login(rm)
    client.get("/today/")
    with django_assert_max_num_queries(PINS["workbench:contact"]):
        client.post("/customers/C003/contact/", {"origin": "today", "channel": "phone", "outcome": "reached"}, **HX)
