"""Shared fixtures for the web tests: a few named staff users (Healthchecks style) and pinned
per-page query counts (NetBox style, see query_counts.json).

Named users (branch B01 unless said):
  rm             R001 王丽 remote_rm, team 一组
  other_rm       R002 李强 remote_rm, team 二组
  team_lead      L001 张敏 team_lead, team 一组
  other_head     H002 赵刚 branch_head of branch B02
  admin_user     A001 陈静 admin (is_staff + is_superuser)
  left_rm        R009 周杰 remote_rm who left the bank (inactive)
All have the password PASSWORD.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from pathlib import Path

import pytest

PASSWORD = "yuanwei-test-pw-1"
QUERY_COUNTS = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The test client speaks plain HTTP; the HTTPS redirect itself is tested in test_settings.py.
    settings.SECURE_SSL_REDIRECT = False
    # PBKDF2 at production strength costs ~0.5 s per password on this machine
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # the cross-process cache (login throttling) is a file cache under home in production; here each
    # test gets an empty in-memory one, so no test sees another's failed logins
    settings.CACHES = {**settings.CACHES, "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                     "LOCATION": "tests-shared"}}
    from django.core.cache import caches

    for c in caches.all():
        c.clear()


def make_staff(staff_id: str, name: str, role: str, branch_id: str = "B01", team: str = "一组",
               active: bool = True):
    from django.contrib.auth.models import Group, User

    from yuanwei.web.apps.accounts.models import StaffProfile

    admin = role == "admin"
    user = User.objects.create_user(staff_id, password=PASSWORD, first_name=name, is_active=active,
                                    is_staff=admin, is_superuser=admin)
    # get_or_create: a transactional test (live server) flushes the groups the data migration made
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    StaffProfile.objects.create(user=user, staff_id=staff_id, name=name, role=role, branch_id=branch_id,
                                team=team, hired_on=dt.date(2020, 3, 1), daily_capacity=30)
    return user


@pytest.fixture
def rm(db):
    return make_staff("R001", "王丽", "remote_rm")


@pytest.fixture
def other_rm(db):
    return make_staff("R002", "李强", "remote_rm", team="二组")


@pytest.fixture
def team_lead(db):
    return make_staff("L001", "张敏", "team_lead")


@pytest.fixture
def other_head(db):
    return make_staff("H002", "赵刚", "branch_head", branch_id="B02", team="")


@pytest.fixture
def admin_user(db):
    return make_staff("A001", "陈静", "admin", team="")


@pytest.fixture
def left_rm(db):
    return make_staff("R009", "周杰", "remote_rm", active=False)


@pytest.fixture
def max_queries(django_assert_max_num_queries):
    """`with max_queries("accounts:login"): client.get(...)` fails when the page issues more
    queries than pinned in query_counts.json (raise the pin only for a reason you can name)."""

    @contextmanager
    def pinned(page: str):
        with django_assert_max_num_queries(QUERY_COUNTS[page]):
            yield

    return pinned
