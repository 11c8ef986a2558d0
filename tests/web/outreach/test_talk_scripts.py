"""Talk scripts: shown with a task's contact form, by product category then rule, persona first;
managers edit them in the admin and every edit is a new version."""

import datetime as dt

import pytest
from django.utils import timezone

from yuanwei.web.apps.outreach.models import TalkScript


@pytest.fixture
def todays_tasks(birthday_tasks):
    """The birthday tasks moved to today: the contact form finds the task of the business day."""
    from yuanwei.web.apps.workbench.models import Task

    Task.objects.filter(date=birthday_tasks).update(date=timezone.localdate())
    return timezone.localdate()


def test_default_scripts_are_loaded_and_compliant(db):
    from yuanwei.outreach.compliance import check

    scripts = TalkScript.objects.filter(version=1)
    assert scripts.filter(category="maturity", persona="").exists() and scripts.count() >= 20
    for s in scripts:
        assert [v.code for v in check(s.body) if v.code == "forbidden_phrase"] == [], s.category


def test_the_contact_form_shows_the_script_for_the_task(client, rm, todays_tasks):
    client.force_login(rm)
    r = client.get("/customers/C001/contact/?origin=today")
    body = r.content.decode()
    assert r.status_code == 200 and "话术 · 生日关怀" in body and "真诚祝福生日快乐" in body


def test_a_managers_edit_makes_a_new_version_that_the_form_uses(client, rm, admin_user, todays_tasks):
    client.force_login(admin_user)
    script = TalkScript.objects.get(category="birthday", persona="", version=1)
    r = client.post(f"/admin/outreach/talkscript/{script.pk}/change/", {
        "category": "birthday", "persona": "", "title": "生日关怀（新版）", "body": "祝您生日快乐，万事顺意。",
        "active": "on"})
    assert r.status_code == 302
    versions = dict(TalkScript.objects.filter(category="birthday", persona="").values_list("version", "active"))
    assert versions == {1: False, 2: True}  # the old version is kept, retired
    client.force_login(rm)
    assert "生日关怀（新版）" in client.get("/customers/C001/contact/?origin=today").content.decode()
