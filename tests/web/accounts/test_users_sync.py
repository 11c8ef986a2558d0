"""sync_users / set_password: web users from the warehouse's staff rows (username = staff_id)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User

from yuanwei.errors import UsageError
from yuanwei.web.apps.accounts.models import StaffProfile
from yuanwei.web.bootstrap import set_password, sync_users

pytestmark = pytest.mark.django_db

STAFF = [
    {"staff_id": "R001", "name": "王丽", "role": "remote_rm", "branch_id": "B01", "team": "一组",
     "hired_on": dt.date(2020, 3, 1), "daily_capacity": 25},
    {"staff_id": "L001", "name": "张敏", "role": "team_lead", "branch_id": "B01", "team": "一组",
     "hired_on": dt.date(2018, 1, 2), "daily_capacity": None},
    {"staff_id": "A001", "name": "陈静", "role": "admin", "branch_id": "B00", "team": None,
     "hired_on": "2016-07-01", "daily_capacity": None},
]


def test_the_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "remote_rm", "rm", "wealth_advisor", "lobby", "team_lead", "branch_head", "admin"}


def test_it_creates_users_with_a_profile_and_a_role_group(home):
    assert sync_users(home, STAFF) == {"created": 3, "updated": 0, "deactivated": 0}

    rm = User.objects.get(username="R001")
    assert rm.first_name == "王丽" and rm.is_active and not rm.is_staff
    assert not rm.has_usable_password()  # set later with `yuanwei users set-password`
    assert [g.name for g in rm.groups.all()] == ["remote_rm"]
    p = rm.staffprofile
    assert (p.staff_id, p.role, p.branch_id, p.team, p.hired_on, p.capacity) == (
        "R001", "remote_rm", "B01", "一组", dt.date(2020, 3, 1), 25)
    assert StaffProfile.objects.get(staff_id="L001").capacity == 30  # DESIGN §5 default
    admin = User.objects.get(username="A001")
    assert admin.is_staff and admin.is_superuser and admin.staffprofile.hired_on == dt.date(2016, 7, 1)


def test_it_changes_nothing_the_second_time(home):
    sync_users(home, STAFF)
    assert sync_users(home, STAFF) == {"created": 0, "updated": 0, "deactivated": 0}


def test_it_updates_a_changed_role_and_deactivates_who_left(home):
    sync_users(home, STAFF)
    promoted = [dict(STAFF[0], role="team_lead", team="二组"), STAFF[2]]  # R001 promoted, L001 left

    assert sync_users(home, promoted) == {"created": 0, "updated": 1, "deactivated": 1}

    r001 = User.objects.get(username="R001")
    assert [g.name for g in r001.groups.all()] == ["team_lead"] and r001.staffprofile.team == "二组"
    assert not User.objects.get(username="L001").is_active
    # and back: a returning staff member is active again
    assert sync_users(home, STAFF)["updated"] == 2
    assert User.objects.get(username="L001").is_active


def test_it_leaves_users_without_a_staff_row_alone(home):
    User.objects.create_superuser("ops", password="x")
    sync_users(home, STAFF)
    assert User.objects.get(username="ops").is_active


def test_it_names_a_bad_row(home):
    bad = [STAFF[0], dict(STAFF[1], role="manager")]
    with pytest.raises(UsageError, match=r"staff row 2 \(L001\): role 'manager'"):
        sync_users(home, bad)
    assert not User.objects.exists()


def test_set_password_lets_the_user_sign_in(home, client):
    sync_users(home, STAFF)
    set_password(home, "R001", "Westlake-2026!")
    assert client.login(username="R001", password="Westlake-2026!")


def test_set_password_names_an_unknown_user(home):
    with pytest.raises(UsageError, match="no web user 'R404'"):
        set_password(home, "R404", "whatever-123")


def test_the_cli_syncs_staff_from_the_warehouse_and_sets_a_password(home, client, monkeypatch):
    from click.testing import CliRunner

    from yuanwei.cli import main
    from yuanwei.warehouse.db import connect

    monkeypatch.setenv("YUANWEI_HOME", str(home.root))  # the CLI sets it; restored after the test
    con = connect(home.warehouse)
    con.execute("INSERT INTO staff (staff_id, name, role, branch_id, team, hired_on) VALUES "
                "('R001', '王丽', 'remote_rm', 'B01', '一组', DATE '2020-03-01')")
    con.close()
    runner = CliRunner()
    r = runner.invoke(main, ["--home", str(home.root), "users", "sync"])
    assert r.exit_code == 0, r.output
    assert "1 created, 0 updated, 0 deactivated" in r.output
    monkeypatch.setenv("YUANWEI_PASSWORD", "Westlake-2026!")
    r = runner.invoke(main, ["--home", str(home.root), "users", "set-password", "R001"])
    assert r.exit_code == 0, r.output
    assert client.login(username="R001", password="Westlake-2026!")
    r = runner.invoke(main, ["--home", str(home.root), "users", "set-password", "R404"])
    assert r.exit_code == 2 and "no web user 'R404'" in r.output
