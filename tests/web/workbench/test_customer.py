"""Customer 360 (/customers/<id>/): masked personal data, an audited reveal, the full picture."""

from __future__ import annotations

import json

import pytest

from yuanwei.web.apps.audit.models import AuditAction, AuditEvent
from yuanwei.web.apps.workbench.models import ContactLog

from .pins import PINS

pytestmark = pytest.mark.django_db


def test_it_shows_the_full_picture(client, rm, bank):
    client.force_login(rm)
    r = client.get("/customers/C001/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "刘建国" in body and "财富" in body and "工薪族" in body and "B 一般" in body  # tier, persona, familiarity
    assert "稳盈90天理财" in body and "¥300,000.00" in body and "5天后" in body        # holding maturing
    assert "¥520,000.00" in body                                                       # recent flow
    assert "昨日入账 ¥520,000.00，为近90日日均入账的38倍" in body                        # signals history
    assert "客户关注理财到期安排" in body                                              # contact timeline
    assert "财富中心季度沙龙邀约" in body                                              # other channel's plan
    assert "C3" in body and "2026-03-01" in body                                       # suitability
    assert "手机银行" in body and "信用卡" in body                                     # four basic products
    assert "今日任务 #1" in body
    chart = json.loads(body.split('id="aum-data" type="application/json">')[1].split("</script>")[0])
    assert len(chart["dates"]) == 30 and chart["aum"][-1] == 829000.0
    assert "vendor/echarts.min.js" in body


def test_it_masks_personal_data_by_default(client, rm, bank):
    client.force_login(rm)
    body = client.get("/customers/C001/").content.decode()
    assert "138****5678" in body and "13812345678" not in body
    assert "王*英" in body and "王秀英" not in body   # relatives partly masked
    assert "刘*" in body and "刘洋" not in body


def test_a_reveal_needs_a_reason_and_is_audited(client, rm, bank):
    client.force_login(rm)
    r = client.post("/customers/C001/reveal/", {"reason": ""}, REMOTE_ADDR="10.8.8.8")
    assert "请填写查看原因" in r.content.decode() and "13812345678" not in r.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    r = client.post("/customers/C001/reveal/", {"reason": "客户来电核对号码"}, REMOTE_ADDR="10.8.8.8")
    body = r.content.decode()
    assert "13812345678" in body and "王秀英" in body and "配偶" in body
    ev = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (ev.user, ev.object_id, ev.ip, ev.detail["reason"]) == (rm, "C001", "10.8.8.8", "客户来电核对号码")


def test_it_escapes_markup_in_a_customer_name(client, rm, bank):
    client.force_login(rm)
    body = client.get("/customers/C005/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_it_shows_contacts_logged_in_the_app_in_the_timeline(client, rm, bank):
    ContactLog.objects.create(customer_id="C001", staff=rm, channel="wechat", outcome="interested",
                              note="对大额存单感兴趣")
    client.force_login(rm)
    body = client.get("/customers/C001/").content.decode()
    assert "对大额存单感兴趣" in body and "有意向" in body


def test_it_answers_404_outside_scope(client, other_rm, bank):
    client.force_login(other_rm)
    assert client.get("/customers/C001/").status_code == 404
    assert client.get("/customers/NOPE/").status_code == 404


def test_its_query_count_is_pinned(client, rm, bank, django_assert_max_num_queries):
    client.force_login(rm)
    client.get("/customers/C001/")
    with django_assert_max_num_queries(PINS["workbench:customer"]):
        assert client.get("/customers/C001/").status_code == 200


def test_an_exported_contact_that_comes_back_published_shows_once(client, rm, bank):
    from yuanwei.web.apps.customers.models import ContactHistory

    c = ContactLog.objects.create(customer_id="C001", staff=rm, channel="phone", outcome="interested",
                                  note="只出现一次的备注")
    ContactHistory.objects.create(contact_id=c.contact_id, customer_id="C001", staff_id="R001", at=c.at,
                                  channel="phone", outcome="interested", note="只出现一次的备注", row_key="k",
                                  row_hash="h")
    client.force_login(rm)
    assert client.get("/customers/C001/").content.decode().count("只出现一次的备注") == 1


def test_it_says_why_a_customer_with_signals_is_not_on_the_list(client, rm, bank, day):
    from yuanwei.web.apps.workbench.models import ExcludedCandidate

    ExcludedCandidate.objects.create(date=day, customer_id="C005", rule="idle_cash", staff_id="R001",
                                     reason_code="pressure_7d", reason="本周已联系", row_key="k", row_hash="h")
    client.force_login(rm)
    body = client.get("/customers/C005/").content.decode()
    assert "今日任务" in body  # C005 has a task: no exclusion shown
    from yuanwei.web.apps.workbench.models import Task

    Task.objects.filter(customer_id="C005").delete()
    body = client.get("/customers/C005/").content.decode()
    assert "今日未列入任务" in body and "闲置资金" in body and "本周已联系" in body
