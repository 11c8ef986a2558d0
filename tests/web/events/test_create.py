"""Creating an event (/events/new/): managers only, for their own branch; an admin names the branch."""

from __future__ import annotations

import datetime as dt

import pytest

from yuanwei.web.apps.events.models import Event

from .conftest import at

pytestmark = pytest.mark.django_db


def _data(day, **kw):
    return {"name": "宏观经济与市场展望讲座", "kind": "lecture",
            "starts_at": at(day + dt.timedelta(days=10), 19, 0).strftime("%Y-%m-%dT%H:%M"),
            "place": "城东支行报告厅", "capacity": 40, **kw}


def test_a_team_lead_creates_an_event_for_their_branch(client, team_lead, bank, day):
    client.force_login(team_lead)
    assert client.get("/events/new/").status_code == 200
    r = client.post("/events/new/", _data(day))
    e = Event.objects.get()
    assert r.status_code == 302 and e.branch_id == "B01" and e.kind == "lecture" and e.capacity == 40
    assert e.starts_at == at(day + dt.timedelta(days=10), 19, 0)


def test_an_admin_must_name_the_branch(client, admin_user, bank, day):
    client.force_login(admin_user)
    r = client.post("/events/new/", _data(day))
    assert r.status_code == 200 and "branch is required" in r.content.decode() and not Event.objects.exists()
    client.post("/events/new/", _data(day, branch_id="B02"))
    assert Event.objects.get().branch_id == "B02"


def test_it_validates_capacity_and_time(client, head, bank, day):
    client.force_login(head)
    r = client.post("/events/new/", _data(day, capacity="", starts_at="明天"))
    assert r.status_code == 200 and not Event.objects.exists()
    assert r.context["form"].errors.keys() >= {"capacity", "starts_at"}


def test_a_leisure_trip_is_relationship_only(client, head, bank, day):
    client.force_login(head)
    client.post("/events/new/", _data(day, kind="leisure", name="秋日郊游"))
    assert Event.objects.get().relationship_only


def test_it_refuses_an_rm(client, rm, bank, day):
    client.force_login(rm)
    assert client.get("/events/new/").status_code == 403
    assert client.post("/events/new/", _data(day)).status_code == 403
    assert not Event.objects.exists()
