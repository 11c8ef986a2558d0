"""The CLI's entry points that are not covered elsewhere: manage() and migrate_if_needed()."""

import pytest

from yuanwei.web.bootstrap import manage, migrate_if_needed

pytestmark = pytest.mark.django_db


def test_manage_runs_any_management_command(home, capsys):
    manage(home, ["check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_manage_reports_an_unknown_command(home, capsys):
    with pytest.raises(SystemExit):
        manage(home, ["no-such-command"])
    assert "Unknown command: 'no-such-command'" in capsys.readouterr().err


def test_migrate_if_needed_does_nothing_on_a_migrated_database(home, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # reads the migration records, applies nothing
        assert migrate_if_needed(home) is False
