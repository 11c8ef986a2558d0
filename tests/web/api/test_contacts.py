"""POST /api/contacts: a softphone posts outcomes; an Idempotency-Key makes a retry create one contact."""

from __future__ import annotations

import datetime as dt

import pytest

from yuanwei.web.apps.audit.models import AuditAction, AuditEvent
from yuanwei.web.apps.workbench.models import ContactLog, FollowUp

pytestmark = pytest.mark.django_db


def post(client, headers, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/contacts", body, content_type="application/json", **headers, **extra)


def test_it_creates_a_contact_with_a_follow_up(client, rm, bank, bearer, day):
    h = bearer("R001")
    r = post(client, h, {"customer_id": "C001", "channel": "phone", "outcome": "interested", "note": "稍后回电",
                         "at": f"{day.isoformat()}T10:05:00", "next_step": "follow_up",
                         "follow_up_on": (day + dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 201, r.content
    body = r.json()
    c = ContactLog.objects.get()
    assert body["contact_id"] == c.contact_id and body["replayed"] is False and body["staff_id"] == "R001"
    assert (c.source, c.task_date, c.at.isoformat()) == ("api", day, f"{day.isoformat()}T02:05:00+00:00")
    assert FollowUp.objects.get().due_on == day + dt.timedelta(days=1)
    assert AuditEvent.objects.get(action=AuditAction.CONTACT_CREATE).detail["source"] == "api"


def test_a_retry_with_the_same_key_creates_one_contact(client, rm, bank, bearer):
    h = bearer("R001")
    body = {"customer_id": "C001", "channel": "phone", "outcome": "sold", "product_id": "P100", "amount": "50000.00"}
    first = post(client, h, body, key="call-8842-1")
    again = post(client, h, body, key="call-8842-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["contact_id"] == again.json()["contact_id"] and again.json()["replayed"] is True
    assert ContactLog.objects.count() == 1
    assert post(client, h, body, key="call-8842-2").status_code == 201
    assert ContactLog.objects.count() == 2


def test_the_same_key_from_another_user_is_another_contact(client, rm, team_lead, bank, bearer):
    body = {"customer_id": "C001", "channel": "phone", "outcome": "reached"}
    assert post(client, bearer("R001"), body, key="k1").status_code == 201
    assert post(client, bearer("L001"), body, key="k1").status_code == 201
    assert ContactLog.objects.count() == 2


def test_it_validates_with_clear_messages(client, rm, bank, bearer):
    h = bearer("R001")
    r = post(client, h, {"customer_id": "C001", "channel": "phone", "outcome": "sold"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "成交须选择产品" in detail["product_id"][0] and "成交须填写金额" in detail["amount"][0]
    r = post(client, h, {"customer_id": "C001", "channel": "fax", "outcome": "reached"})
    assert r.status_code == 422 and "渠道无效" in r.json()["detail"]["channel"][0]
    assert post(client, h, {"customer_id": "C001"}).status_code == 422  # missing fields
    assert not ContactLog.objects.exists()


def test_it_answers_404_outside_scope(client, rm, bank, bearer):
    r = post(client, bearer("R001"), {"customer_id": "C002", "channel": "phone", "outcome": "reached"})
    assert r.status_code == 404 and not ContactLog.objects.exists()


def test_it_needs_a_token_not_a_session(client, rm, bank):
    client.force_login(rm)
    r = post(client, {}, {"customer_id": "C001", "channel": "phone", "outcome": "reached"})
    assert r.status_code == 401
