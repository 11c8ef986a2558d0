"""Schedule (/schedule/): follow-ups and appointments by day and by week."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yuanwei.web.apps.workbench.models import Appointment, FollowUp

from .pins import PINS

pytestmark = pytest.mark.django_db


@pytest.fixture
def agenda(rm, other_rm, bank, day):
    tz = timezone.get_current_timezone()
    monday = day - dt.timedelta(days=day.weekday())
    FollowUp.objects.create(customer_id="C001", staff=rm, due_on=monday + dt.timedelta(days=2), note="确认到期续作")
    FollowUp.objects.create(customer_id="C003", staff=rm, due_on=monday - dt.timedelta(days=3), note="逾期的跟进")
    FollowUp.objects.create(customer_id="C002", staff=other_rm, due_on=monday, note="别人的跟进")
    Appointment.objects.create(customer_id="C001", staff=rm, kind="branch", place="城东支行贵宾室",
                               starts_at=dt.datetime.combine(monday + dt.timedelta(days=4), dt.time(10, 0), tzinfo=tz))
    Appointment.objects.create(customer_id="C001", staff=rm, kind="home_visit", place="下周的拜访",
                               starts_at=dt.datetime.combine(monday + dt.timedelta(days=8), dt.time(10, 0), tzinfo=tz))
    return monday


def test_it_shows_the_week(client, rm, agenda):
    client.force_login(rm)
    r = client.get(f"/schedule/?view=week&date={agenda.isoformat()}")
    body = r.content.decode()
    assert r.status_code == 200
    assert "确认到期续作" in body and "城东支行贵宾室" in body and "网点预约" in body
    assert "逾期的跟进" in body and "逾期跟进" in body
    assert "别人的跟进" not in body and "下周的拜访" not in body
    assert body.count('class="wb-day') == 7


def test_it_shows_one_day(client, rm, agenda):
    client.force_login(rm)
    body = client.get(f"/schedule/?view=day&date={(agenda + dt.timedelta(days=4)).isoformat()}").content.decode()
    overdue, column = body.split('class="wb-week')
    assert "城东支行贵宾室" in column and "确认到期续作" not in column
    assert "确认到期续作" in overdue  # Wednesday's follow-up is overdue on Friday
    assert body.count('class="wb-day') == 1


def test_it_marks_a_follow_up_done(client, rm, other_rm, agenda):
    f = FollowUp.objects.get(note="确认到期续作")
    client.force_login(other_rm)
    assert client.post(f"/follow-ups/{f.pk}/done/").status_code == 404  # not theirs
    client.force_login(rm)
    r = client.post(f"/follow-ups/{f.pk}/done/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "wb-follow done" in r.content.decode()
    f.refresh_from_db()
    assert f.done_at is not None


def test_its_query_count_is_pinned(client, rm, agenda, django_assert_max_num_queries):
    client.force_login(rm)
    client.get("/schedule/")
    with django_assert_max_num_queries(PINS["workbench:schedule"]):
        assert client.get(f"/schedule/?date={agenda.isoformat()}").status_code == 200


def test_marking_done_never_redirects_off_site(client, rm, agenda):
    f = FollowUp.objects.get(note="确认到期续作")
    client.force_login(rm)
    r = client.post(f"/follow-ups/{f.pk}/done/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/schedule/"
