"""The web side's entry points for the CLI (DESIGN §7): setup, users, management commands, publish.

The CLI reads the warehouse and passes rows in; nothing here opens the warehouse (DESIGN §6).
"""

from __future__ import annotations

import datetime as dt
import os

from yuanwei.errors import UsageError
from yuanwei.paths import Home


def setup(home: Home) -> None:
    """Point Django at this home (app DB, secret key) and start it. Safe to call more than once.

    Django reads its settings once per process: the first home set up wins (tests configure their
    own database through pytest-django)."""
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ["YUANWEI_HOME"] = str(home.root)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuanwei.web.settings")
    django.setup()


def migrate_if_needed(home: Home) -> bool:
    """Apply pending migrations; True when some were applied."""
    setup(home)
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=0)
    return True


def _role_groups():
    from django.contrib.auth.models import Group

    from yuanwei.contract.schema import STAFF_ROLES

    groups = {g.name: g for g in Group.objects.filter(name__in=STAFF_ROLES)}
    for role in STAFF_ROLES:  # normally made by the data migration; recreate any a user deleted
        if role not in groups:
            groups[role] = Group.objects.create(name=role)
    return groups


def _as_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def sync_users(home: Home, staff_rows: list[dict]) -> dict:
    """Create or update one web user per staff row (username = staff_id, group = role); users whose
    staff row is gone are deactivated. Returns {"created", "updated", "deactivated"} counts."""
    migrate_if_needed(home)
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from yuanwei.contract.schema import STAFF_ROLES
    from yuanwei.web.apps.accounts.models import StaffProfile

    User = get_user_model()
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    seen = set()
    for n, row in enumerate(staff_rows, start=1):
        missing = [k for k in ("staff_id", "name", "role", "branch_id") if not row.get(k)]
        if missing:
            raise UsageError(f"staff row {n}: {', '.join(missing)} missing / 员工数据缺少字段")
        if row["role"] not in STAFF_ROLES:
            raise UsageError(f"staff row {n} ({row['staff_id']}): role '{row['role']}' is not one of "
                             f"{', '.join(STAFF_ROLES)} / 角色无效")
    with transaction.atomic():
        groups = _role_groups()
        role_group_ids = {g.pk for g in groups.values()}
        profiles = {p.staff_id: p for p in StaffProfile.objects.select_related("user")}
        for row in staff_rows:
            staff_id = str(row["staff_id"])
            seen.add(staff_id)
            admin = row["role"] == "admin"
            wanted = {"name": row["name"], "role": row["role"], "branch_id": str(row["branch_id"]),
                      "team": row.get("team") or "", "hired_on": _as_date(row.get("hired_on")),
                      "daily_capacity": row.get("daily_capacity")}
            profile = profiles.get(staff_id)
            if profile is None:
                user = User.objects.filter(username=staff_id).first()
                if user is None:
                    user = User(username=staff_id)
                    user.set_unusable_password()  # `yuanwei users set-password` gives one
                    created = True
                else:
                    created = False
                user.first_name, user.is_active = row["name"][:150], True
                user.is_staff = user.is_superuser = admin
                user.save()
                StaffProfile.objects.create(user=user, staff_id=staff_id, **wanted)
                user.groups.set([g for g in user.groups.all() if g.pk not in role_group_ids] + [groups[row["role"]]])
                counts["created" if created else "updated"] += 1
                continue
            user, changed = profile.user, False
            for k, v in wanted.items():
                if getattr(profile, k) != v:
                    setattr(profile, k, v)
                    changed = True
            if changed:
                profile.save()
            user_fields = {"first_name": row["name"][:150], "is_active": True, "is_staff": admin, "is_superuser": admin}
            if any(getattr(user, k) != v for k, v in user_fields.items()):
                for k, v in user_fields.items():
                    setattr(user, k, v)
                user.save()
                changed = True
            current_roles = {g.name for g in user.groups.all() if g.pk in role_group_ids}
            if current_roles != {row["role"]}:
                user.groups.set([g for g in user.groups.all() if g.pk not in role_group_ids] + [groups[row["role"]]])
                changed = True
            counts["updated"] += changed
        # staff who left: keep the user (history points at them) but they can no longer sign in
        for staff_id, profile in profiles.items():
            if staff_id not in seen and profile.user.is_active:
                profile.user.is_active = False
                profile.user.save(update_fields=["is_active"])
                counts["deactivated"] += 1
    return counts


def set_password(home: Home, staff_id: str, password: str) -> None:
    """Set a web user's password; UsageError when there is no such user.

    Django's password validators are not applied here: this is the administrator's tool (like
    `createsuperuser`); users changing their own password on the web page are validated."""
    migrate_if_needed(home)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=staff_id).first()
    if user is None:
        raise UsageError(f"no web user '{staff_id}' — run `yuanwei users sync` first / 用户不存在")
    if not password:
        raise UsageError(f"empty password for {staff_id} / 密码不能为空")
    user.set_password(password)
    user.save(update_fields=["password"])


def manage(home: Home, args: list[str]) -> None:
    """Any Django management command, e.g. ["migrate"], ["createsuperuser"], ["check", "--deploy"]."""
    setup(home)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yuanwei manage", *args])


def publish_run(home: Home, day: dt.date, full: bool = False) -> dict:
    """Load the run of `day` from <home>/runs/<day>/ into the app DB (see yuanwei.web.publishing).
    Returns {table: {"inserted", "updated", "deleted", "unchanged"}}."""
    migrate_if_needed(home)
    from yuanwei.web.publishing import publish
    from yuanwei.web.signals import run_published

    counts = publish(home, day, full=full)
    run_published.send(sender=publish_run, day=day, counts=counts)  # e.g. campaigns pick up new holdings
    return counts
