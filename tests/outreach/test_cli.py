import datetime as dt

from click.testing import CliRunner

from yuanwei.cli import main
from yuanwei.warehouse.db import connect


def test_brief_prints_the_days_brief_from_the_warehouse(tmp_path):
    con = connect(tmp_path / "warehouse.duckdb")
    con.execute("INSERT INTO market VALUES ('2026-11-27','SSE_COMPOSITE',3300), ('2026-11-28','SSE_COMPOSITE',3399)")
    con.execute("INSERT INTO news (published_at, published_at_day, source, title) VALUES ('2026-11-29 09:00:00','2026-11-29','新华社','央行开展逆回购操作')")
    con.close()
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "brief", "--date", "2026-11-30"])
    assert r.exit_code == 0, r.output
    assert "上证指数 3,399.00 ↑3.00%" in r.output and "1. 央行开展逆回购操作。" in r.output
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "brief", "--date", "2026-11-30", "--format", "sms"])
    assert r.output.startswith("【11月30日早报】")
