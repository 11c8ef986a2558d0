"""Django admin at /admin/: for the admin role only; published models are listed read-only."""

import datetime as dt

import pytest
from django.contrib import admin

from yuanwei.web.bootstrap import publish_run

from .customers.runfiles import sample_run, write_run

pytestmark = pytest.mark.django_db


def test_it_works_for_an_admin(client, admin_user, max_queries):
    client.force_login(admin_user)
    with max_queries("admin:index"):
        r = client.get("/admin/")
    assert r.status_code == 200
    assert "远维" in r.content.decode()


def test_it_refuses_an_rm(client, rm):
    client.force_login(rm)
    r = client.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/admin/login/")


def test_every_published_model_is_listed_read_only(client, admin_user, home):
    day = dt.date(2026, 3, 16)
    write_run(home.runs_dir, day, sample_run(day))
    publish_run(home, day)
    client.force_login(admin_user)
    published = [m for m in admin.site._registry if m._meta.app_label in ("customers",)
                 or m.__name__ in ("Task", "ExcludedCandidate")]
    assert len(published) == 19
    for model in published:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        r = client.get(url)
        assert r.status_code == 200, url
        assert client.get(url + "add/").status_code == 403, url
    body = client.get("/admin/customers/customer/C0003/change/").content.decode()
    assert "&lt;b&gt;黄海&lt;/b&gt;" in body  # a name with markup is text
