"""The audit log: logins are recorded with the address, rows cannot be changed or removed,
the admin shows them read-only to admins, and failed logins are throttled."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches

from yuanwei.web.apps.audit.models import AppendOnlyError, AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice():
    return get_user_model().objects.create_user("R0001", password="pw-alice-123")


def test_it_records_a_login_with_the_address(client, alice):
    r = client.post("/accounts/login/", {"username": "R0001", "password": "pw-alice-123"}, REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 302
    ev = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (ev.user, ev.username, ev.ip) == (alice, "R0001", "10.1.2.3")


def test_it_records_a_failed_login_with_the_username_tried(client, alice):
    client.post("/accounts/login/", {"username": "R0001", "password": "wrong"}, REMOTE_ADDR="10.1.2.4")
    ev = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (ev.user, ev.username, ev.ip) == (None, "R0001", "10.1.2.4")


def test_it_refuses_to_change_or_delete_an_event(alice):
    ev = AuditEvent.objects.create(user=alice, username="R0001", action=AuditAction.REVEAL, object_id="C1")
    ev.object_id = "C2"
    with pytest.raises(AppendOnlyError):
        ev.save()
    with pytest.raises(AppendOnlyError):
        ev.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=ev.pk).update(object_id="C3")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=ev.pk).object_id == "C1"


def test_it_throttles_repeated_failed_logins(client, alice):
    for _ in range(5):
        r = client.post("/accounts/login/", {"username": "R0001", "password": "wrong"})
        assert r.status_code == 200  # the form again, with its error
    # the right password no longer helps until the window passes
    r = client.post("/accounts/login/", {"username": "R0001", "password": "pw-alice-123"})
    assert r.status_code == 429
    assert "登录失败次数过多" in r.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_BLOCKED, username="R0001").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()
    caches["shared"].clear()  # the window passed
    assert client.post("/accounts/login/", {"username": "R0001", "password": "pw-alice-123"}).status_code == 302


def test_a_good_login_clears_the_count(client, alice):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "R0001", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "R0001", "password": "pw-alice-123"}).status_code == 302
    client.logout()
    for _ in range(4):
        assert client.post("/accounts/login/", {"username": "R0001", "password": "wrong"}).status_code == 200


def test_the_admin_shows_the_log_read_only_to_admins(client, alice):
    admin = get_user_model().objects.create_superuser("A0001", password="pw-admin-123")
    AuditEvent.objects.create(user=alice, username="R0001", action=AuditAction.EXPORT, object_id="worklog")
    client.force_login(admin)
    r = client.get("/admin/audit/auditevent/")
    assert r.status_code == 200 and "worklog" in r.content.decode()
    ev = AuditEvent.objects.filter(action=AuditAction.EXPORT).get()
    assert client.get(f"/admin/audit/auditevent/{ev.pk}/delete/").status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_the_admin_refuses_a_plain_user(client, alice):
    alice.is_staff = True
    alice.save()
    client.force_login(alice)
    assert client.get("/admin/audit/auditevent/").status_code == 403


def test_a_change_to_a_contact_in_the_admin_is_audited(client):
    from yuanwei.web.apps.workbench.models import ContactLog

    admin = get_user_model().objects.create_superuser("A0002", password="pw-admin-123")
    rm = get_user_model().objects.create_user("R0003", password="pw-rm-12345")
    c = ContactLog.objects.create(customer_id="C1", staff=rm, channel="phone", outcome="reached", note="旧")
    client.force_login(admin)
    r = client.post(f"/admin/workbench/contactlog/{c.pk}/change/", {
        "at_0": c.at.astimezone().strftime("%Y-%m-%d"), "at_1": "10:00:00", "channel": "phone",
        "outcome": "interested", "product_id": "", "amount": "", "note": "更正", "task_date": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    c.refresh_from_db()
    assert c.outcome == "interested"
    ev = AuditEvent.objects.get(action=AuditAction.CONTACT_UPDATE)
    assert ev.object_id == c.contact_id and "outcome" in ev.detail["changed"] and ev.user == admin
    assert client.get(f"/admin/workbench/contactlog/{c.pk}/delete/").status_code == 403
