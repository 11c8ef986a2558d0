"""One auth group per staff role (DESIGN §3 staff.role). The list is frozen here on purpose:
a migration must not change when the contract module does."""

from django.db import migrations

ROLES = ("remote_rm", "rm", "wealth_advisor", "lobby", "team_lead", "branch_head", "admin")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
