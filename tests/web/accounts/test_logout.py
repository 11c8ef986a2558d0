"""Sign-out is a POST (Django 5: no GET logout, so a link cannot sign anyone out)."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_signs_out(client, rm):
    client.force_login(rm)
    r = client.post("/accounts/logout/")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_get(client, rm):
    client.force_login(rm)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
