from click.testing import CliRunner

from yuanwei.cli import main


def test_it_lists_the_commands_of_design_7():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "demo-data", "ingest", "run", "export", "learn", "backtest", "serve", "users", "manage"):
        assert command in result.output


def test_it_rejects_a_bad_date_with_status_2(tmp_path):
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "run", "--date", "2026-02-30"])
    assert result.exit_code == 2
    assert "2026-02-30" in result.output
