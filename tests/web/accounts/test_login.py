"""Sign-in at /accounts/login/ with the staff ID; `/` leads to Today."""

import pytest

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_leftovers():
    from django.core.cache import cache

    cache.clear()  # failed logins are throttled through the cache
    yield
    cache.clear()


def test_it_shows_a_chinese_sign_in_page(client, max_queries):
    with max_queries("accounts:login"):
        r = client.get("/accounts/login/")
    assert r.status_code == 200
    body = r.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录远维" in body and "工号" in body


def test_it_signs_in_with_the_staff_id_and_lands_on_today(client, rm):
    r = client.post("/accounts/login/", {"username": "R001", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/today/"
    assert client.session["_auth_user_id"] == str(rm.pk)


def test_it_sends_an_anonymous_visitor_from_home_to_sign_in(client):
    r = client.get("/", follow=True)
    assert r.redirect_chain == [("/today/", 302), ("/accounts/login/?next=/today/", 302)]


def test_it_refuses_a_wrong_password(client, rm):
    r = client.post("/accounts/login/", {"username": "R001", "password": "nope"})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "error" in r.content.decode()


def test_it_refuses_staff_who_left(client, left_rm):
    r = client.post("/accounts/login/", {"username": "R009", "password": PASSWORD})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_speaks_english_when_asked(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body and "Sign in to yuanwei" in body and "Staff ID" in body
