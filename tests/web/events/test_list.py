"""Event list (/events/): scoped by role, exportable to Excel, query count pinned."""

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
def events(head, bank, day):
    b1 = Event.objects.create(name="年末财富沙龙", kind="wealth_salon", branch_id="B01", starts_at=at(day + dt.timedelta(days=5)),
                              place="城东支行三楼", capacity=30, products="P100", created_by=head)
    b2 = Event.objects.create(name="城西经济讲座", kind="lecture", branch_id="B02", starts_at=at(day + dt.timedelta(days=9)),
                              place="城西支行", capacity=50, created_by=head)
    Invitation.objects.create(event=b1, customer_id="C001", staff_id="R001", rsvp="accepted")
    Invitation.objects.create(event=b1, customer_id="C002", staff_id="R002")
    return b1, b2


def test_a_branch_head_sees_the_branchs_events(client, head, events):
    client.force_login(head)
    body = client.get("/events/").content.decode()
    assert "年末财富沙龙" in body and "城西经济讲座" not in body and "新建活动" in body


def test_an_rm_sees_the_events_their_customers_are_invited_to(client, rm, events):
    client.force_login(rm)
    body = client.get("/events/").content.decode()
    assert "年末财富沙龙" in body and "城西经济讲座" not in body and "新建活动" not in body


def test_an_rm_without_invitees_sees_none(client, head, bank, events):
    from ..conftest import make_staff

    client.force_login(make_staff("R003", "周敏", "remote_rm"))
    assert "年末财富沙龙" not in client.get("/events/").content.decode()


def test_it_exports_the_list_to_excel(client, admin_user, events):
    client.force_login(admin_user)
    r = client.get("/events/?format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(r.content)).active.values)
    assert rows[0][:3] == ("编号", "活动", "类型")
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"年末财富沙龙", "城西经济讲座"}
    assert by_name["年末财富沙龙"][7:10] == (2, 1, 0)  # invited, accepted, attended


def test_it_requires_sign_in(client, events):
    assert client.get("/events/").status_code == 302


def test_its_query_count_is_pinned(client, head, events, django_assert_max_num_queries):
    client.force_login(head)
    client.get("/events/")
    with django_assert_max_num_queries(PINS["events:list"]):
        assert client.get("/events/").status_code == 200
