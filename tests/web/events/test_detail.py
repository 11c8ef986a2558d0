"""The event page (/events/<id>/): invitees by role, the invitation list in Excel, refusals, pinned."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from yuanwei.web.apps.events.models import Event, Invitation

from .conftest import at

pytestmark = pytest.mark.django_db
PINS = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


@pytest.fixture
def event(head, bank, day):
    e = Event.objects.create(name="年末财富沙龙", kind="wealth_salon", branch_id="B01",
                             starts_at=at(day + dt.timedelta(days=5)), place="城东支行三楼", capacity=30,
                             products="P100", created_by=head)
    Invitation.objects.create(event=e, customer_id="C001", staff_id="R001", rsvp="accepted", guests=1)
    Invitation.objects.create(event=e, customer_id="C002", staff_id="R002")
    Invitation.objects.create(event=e, customer_id="C003", staff_id="", message_refused="客户未授权营销 / no marketing consent")
    return e


def test_a_branch_head_sees_every_invitee(client, head, event):
    client.force_login(head)
    r = client.get(f"/events/{event.pk}/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "刘建国" in body and "孙美华" in body and "马小军" in body and "未分配" in body and "王丽" in body
    assert "稳盈90天理财" in body and "剩余 28" in body and "生成邀约" in body


def test_a_team_lead_sees_the_teams_invitees(client, team_lead, event):
    client.force_login(team_lead)
    body = client.get(f"/events/{event.pk}/").content.decode()
    assert "刘建国" in body and "孙美华" not in body and "马小军" not in body


def test_an_rm_sees_only_their_invitees_and_cannot_invite(client, rm, event):
    client.force_login(rm)
    body = client.get(f"/events/{event.pk}/").content.decode()
    assert "刘建国" in body and "孙美华" not in body and "生成邀约" not in body
    assert client.post(f"/events/{event.pk}/invite/", {}).status_code == 403
    assert client.post(f"/events/{event.pk}/close/").status_code == 403


def test_it_exports_the_invitation_list(client, head, event):
    client.force_login(head)
    rows = list(load_workbook(BytesIO(client.get(f"/events/{event.pk}/?format=xlsx").content)).active.values)
    assert rows[0][0].startswith("年末财富沙龙")
    assert rows[1] == ("客户号", "客户", "客户经理", "短信", "回复", "同行", "出席")
    assert [r[0] for r in rows[2:]] == ["C001", "C002", "C003"]
    assert rows[2][2] == "王丽 R001" and rows[2][4:6] == ("接受 / accepted", 1) and rows[4][2] == "未分配"


def test_it_is_not_found_for_another_branchs_head(client, other_head, event):
    client.force_login(other_head)
    assert client.get(f"/events/{event.pk}/").status_code == 404
    assert client.post(f"/events/{event.pk}/invite/", {}).status_code == 404


def test_its_query_count_is_pinned(client, head, event, django_assert_max_num_queries):
    client.force_login(head)
    client.get(f"/events/{event.pk}/")
    with django_assert_max_num_queries(PINS["events:detail"]):
        assert client.get(f"/events/{event.pk}/").status_code == 200
