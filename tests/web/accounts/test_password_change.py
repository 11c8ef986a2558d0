"""/accounts/password/: a signed-in user changes their own password (Django's validators apply)."""

import pytest

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/accounts/password/"


def test_it_works(client, rm, max_queries):
    client.force_login(rm)
    with max_queries("accounts:password_change"):
        r = client.get(URL)
    assert r.status_code == 200
    assert "修改密码" in r.content.decode()


def test_it_changes_the_password(client, rm):
    client.force_login(rm)
    r = client.post(URL, {"old_password": PASSWORD, "new_password1": "Qiantang-river-2026",
                          "new_password2": "Qiantang-river-2026"})
    assert r.status_code == 302 and r["Location"] == "/today/"
    rm.refresh_from_db()
    assert rm.check_password("Qiantang-river-2026")


def test_it_rejects_a_weak_password(client, rm):
    client.force_login(rm)
    r = client.post(URL, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert r.status_code == 200
    rm.refresh_from_db()
    assert rm.check_password(PASSWORD)


def test_it_requires_login(client):
    r = client.get(URL)
    assert r.status_code == 302 and r["Location"] == f"/accounts/login/?next={URL}"
