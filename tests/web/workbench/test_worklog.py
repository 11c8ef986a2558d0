"""Work log (/worklog/<date>/): written from the day's records, remarks, print layout, Excel export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yuanwei.web.apps.audit.models import AuditAction, AuditEvent
from yuanwei.web.apps.workbench.models import Appointment, ContactLog, FollowUp, Task, WorkLogRemark

from .bank import PUB
from .pins import PINS

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_day(rm, bank, day):
    tz = timezone.get_current_timezone()
    at = lambda h: dt.datetime.combine(day, dt.time(h, 0), tzinfo=tz)  # noqa: E731
    ContactLog.objects.create(customer_id="C001", staff=rm, at=at(10), channel="phone", outcome="sold",
                              product_id="P200", amount=Decimal("200000.00"), note="认购大额存单")
    ContactLog.objects.create(customer_id="C003", staff=rm, at=at(11), channel="wechat", outcome="reached",
                              note="送上生日祝福")
    ContactLog.objects.create(customer_id="C005", staff=rm, at=at(14), channel="phone", outcome="no_answer")
    ContactLog.objects.create(customer_id="C001", staff=rm, at=at(10) - dt.timedelta(days=1), channel="phone",
                              outcome="reached", note="昨天的联系")
    Appointment.objects.create(customer_id="C001", staff=rm, kind="home_visit", place="幸福小区3栋",
                               starts_at=at(16))
    tomorrow = day + dt.timedelta(days=1)
    FollowUp.objects.create(customer_id="C003", staff=rm, due_on=tomorrow, note="回访生日礼品")
    Task.objects.create(date=tomorrow, staff_id="R001", rank=1, customer=bank["customers"]["C001"],
                        rules="maturity", purpose="service", **PUB)
    return day


def test_it_writes_the_day_from_the_records(client, rm, worked_day):
    client.force_login(rm)
    r = client.get(f"/worklog/{worked_day.isoformat()}/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "联系客户 <b>3</b> 人，联系 <b>3</b> 次" in body
    assert "认购大额存单" in body and "送上生日祝福" in body and "昨天的联系" not in body
    assert "三年期大额存单" in body and "¥200,000.00" in body     # the sale
    assert "幸福小区3栋" in body                                   # the visit
    assert "回访生日礼品" in body and "产品到期" in body            # tomorrow's plan: follow-up and task
    assert "window.print()" in body and "export.xlsx" in body


def test_worklog_without_a_date_goes_to_today(client, rm, day):
    client.force_login(rm)
    r = client.get("/worklog/")
    assert r.status_code == 302 and r["Location"] == f"/worklog/{day.isoformat()}/"


def test_it_saves_remarks(client, rm, worked_day):
    client.force_login(rm)
    url = f"/worklog/{worked_day.isoformat()}/"
    r = client.post(url, {"text": "明天重点跟进到期客户"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "已保存" in r.content.decode()
    client.post(url, {"text": "改过的备注"}, HTTP_HX_REQUEST="true")
    assert WorkLogRemark.objects.get().text == "改过的备注"
    assert "改过的备注" in client.get(url).content.decode()


def test_it_exports_excel_and_audits_the_export(client, rm, worked_day):
    client.force_login(rm)
    r = client.get(f"/worklog/{worked_day.isoformat()}/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "认购大额存单" in cells and 200000.0 in cells and "幸福小区3栋" in cells
    assert any("回访生日礼品" in str(c) for c in cells)
    ev = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert ev.object_id == f"R001/{worked_day.isoformat()}" and ev.user == rm


def test_a_team_lead_reads_a_team_members_log_but_cannot_edit_it(client, rm, team_lead, worked_day):
    client.force_login(team_lead)
    url = f"/worklog/{worked_day.isoformat()}/"
    body = client.get(url + "?staff=R001").content.decode()
    assert "认购大额存单" in body and "保存备注" not in body
    assert client.post(url + "?staff=R001", {"text": "x"}).status_code == 403


def test_an_rm_cannot_read_another_rms_log(client, rm, other_rm, worked_day):
    client.force_login(other_rm)
    assert client.get(f"/worklog/{worked_day.isoformat()}/?staff=R001").status_code == 404
    assert client.get(f"/worklog/{worked_day.isoformat()}/export.xlsx?staff=R001").status_code == 404


def test_its_query_count_is_pinned(client, rm, worked_day, django_assert_max_num_queries):
    client.force_login(rm)
    client.get("/today/")
    with django_assert_max_num_queries(PINS["workbench:worklog"]):
        assert client.get(f"/worklog/{worked_day.isoformat()}/").status_code == 200
