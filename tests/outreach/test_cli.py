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


def test_outbox_send_delivers_through_the_file_gateway(tmp_path):
    import json
    import subprocess
    import sys

    # a separate process: Django reads its settings (the home) once per process
    env = {"YUANWEI_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = (
        "from yuanwei.paths import Home\n"
        "from yuanwei.web import bootstrap\n"
        "home = Home.resolve().ensure(); bootstrap.migrate_if_needed(home)\n"
        "from yuanwei.web.apps.outreach.models import OutboxMessage\n"
        "from django.utils import timezone\n"
        "OutboxMessage.objects.create(key='k1', purpose='birthday', gateway='sms', to='13800000000',\n"
        "    text='生日快乐', next_attempt_at=timezone.now())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    # no quiet hours, so the test means the same at any time of day
    (tmp_path / "config" / "outreach.yaml").write_text('quiet_hours: "off"\n', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "yuanwei.cli", "--home", str(tmp_path), "outbox", "send"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "sent 1" in r.stdout
    lines = (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["text"] for x in lines] == ["生日快乐"]
