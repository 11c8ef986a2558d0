"""`yuanwei demo`: generate → ingest → run the day → publish → users → serve.

Wires the layers in order, as a new user would run them by hand; each step reuses what an earlier
`yuanwei demo` left in the home folder (a marker file records what was done), so re-running is quick.
A new calendar day regenerates the demo bank so that its last day is always yesterday.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from rich.console import Console

from yuanwei.paths import Home

console = Console()

DEMO_SEED = 42
DEMO_DAYS = 365
LOGIN_ROLES = (("remote_rm", "远程客户经理 / remote RM"), ("team_lead", "团队长 / team lead"),
               ("branch_head", "支行行长 / branch head"), ("admin", "管理员 / admin"))


def _marker(home: Home) -> Path:
    return home.root / "demo.json"


def _read_marker(home: Home) -> dict:
    try:
        return json.loads(_marker(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_marker(home: Home, state: dict) -> None:
    _marker(home).write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")


def pick_logins(staff_rows: list[dict]) -> list[dict]:
    """One login per role worth showing: the first (by staff_id) of each role, preferring the branch
    and team of the first remote RM so that the team lead and branch head see that RM's work."""
    rows = sorted(staff_rows, key=lambda r: r["staff_id"])
    first_rm = next((r for r in rows if r["role"] == "remote_rm"), None)
    logins = []
    for role, label in LOGIN_ROLES:
        candidates = [r for r in rows if r["role"] == role]
        if first_rm is not None:
            same = [r for r in candidates if r["branch_id"] == first_rm["branch_id"]
                    and (role != "team_lead" or r.get("team") == first_rm.get("team"))]
            candidates = same or candidates
        if candidates:
            logins.append({**candidates[0], "label": label})
    return logins


def run_demo(home: Home, customers: int, serve: bool, host: str, port: int, password: str,
             today: dt.date) -> None:
    from yuanwei.demo.generate import write_demo_bank
    from yuanwei.warehouse.ingest import format_summary, ingest_folder
    from yuanwei.warehouse.tables import read_rows
    from yuanwei.web import bootstrap

    end = today - dt.timedelta(days=1)
    state = _read_marker(home)
    wanted = {"customers": customers, "end": end.isoformat(), "seed": DEMO_SEED, "days": DEMO_DAYS}
    data_dir = home.root / "demo-data"

    if state.get("data") != wanted:
        if state:
            # another size or day: start from an empty home so no stale rows mix in
            console.print("[yellow]演示数据已过期，重新生成 / demo data is stale, regenerating[/]")
            for p in (home.warehouse, home.app_db):
                p.unlink(missing_ok=True)
            state = {}
        console.print(f"[bold]1/5 生成演示银行 / generating the demo bank[/] ({customers:,} customers, last day {end})")
        write_demo_bank(data_dir, customers=customers, days=DEMO_DAYS, seed=DEMO_SEED, fmt="parquet", end=end)
        state = {"data": wanted}
        _write_marker(home, state)
    else:
        console.print("1/5 演示数据已存在，复用 / reusing the demo bank")

    if not state.get("ingested"):
        console.print("[bold]2/5 导入数据 / ingesting[/]")
        report = ingest_folder(home, data_dir)
        console.print(format_summary(report))
        state["ingested"] = True
        _write_marker(home, state)
    else:
        console.print("2/5 数据已导入，复用 / already ingested")

    bootstrap.manage(home, ["migrate", "--noinput", "-v", "0"])

    if state.get("run") != today.isoformat():
        from yuanwei.cli import format_published
        from yuanwei.engine.run import format_summary as run_summary
        from yuanwei.pipeline import run_and_publish

        from yuanwei.learning.cli import learn

        console.print("[bold]3/5 训练倾向与接通时段模型 / learning from past contacts[/]")
        learn(home, evaluate=False, holdout=0.2, refit_every=400, window=20_000)
        console.print(f"[bold]3/5 每日批处理 / daily run for {today}[/]")
        summary, published, _ = run_and_publish(home, today)
        console.print(run_summary(summary))
        console.print(format_published(published))
        state["run"] = today.isoformat()
        _write_marker(home, state)
    else:
        console.print(f"3/5 {today} 的批处理已完成，复用 / today's run already done")

    console.print("[bold]4/5 同步用户 / syncing users[/]")
    staff = read_rows(home, "staff")
    bootstrap.sync_users(home, staff)
    logins = pick_logins(staff)
    for login in logins:
        bootstrap.set_password(home, login["staff_id"], password)

    url = f"http://{host}:{port}/"
    console.print()
    console.print(f"[bold green]远维已就绪 / yuanwei is ready:[/] {url}")
    console.print(f"演示密码 / demo password: [bold]{password}[/]")
    for login in logins:
        console.print(f"  {login['label']:<28} 用户名 / username: [bold]{login['staff_id']}[/]  ({login['name']})")
    if serve:
        console.print("[bold]5/5 启动网页 / serving[/] (Ctrl+C 停止 / to stop)")
        bootstrap_serve(home, host, port)
    else:
        console.print("5/5 --no-serve: 未启动网页 / not serving")


def bootstrap_serve(home: Home, host: str, port: int) -> None:
    from yuanwei.web.apps.outreach.worker import start_background_sender
    from yuanwei.web.server import serve

    # the demo has no scheduler: deliver the outbox (to the file gateway) every 30 s while serving
    console.print("发件箱每 30 秒投递一次（演示：写入 outbox/*.jsonl）/ the outbox is delivered every 30 s")
    start_background_sender(home, every=30)
    serve(home, host=host, port=port)
