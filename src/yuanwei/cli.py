"""The ``yuanwei`` command (DESIGN §7). It parses, then calls one function of a layer below.

No business logic lives here. A user's mistake (``UsageError``) becomes one line on stderr and
exit status 2, never a bare traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click

from yuanwei.errors import UsageError
from yuanwei.paths import Home

DEMO_PASSWORD = "yuanwei-demo"


def _today_shanghai() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _parse_date(value: str | None, name: str = "--date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name}: '{value}' is not a date YYYY-MM-DD / 日期格式应为 YYYY-MM-DD") from None


def format_published(counts: dict) -> str:
    """One line: rows inserted / updated / deleted over all published tables."""
    total = {k: sum(c.get(k, 0) for c in counts.values()) for k in ("inserted", "updated", "deleted", "unchanged")}
    return (f"已发布到应用库 / published: 新增 inserted {total['inserted']:,}，更新 updated {total['updated']:,}，"
            f"删除 deleted {total['deleted']:,}，未变 unchanged {total['unchanged']:,}（{len(counts)} 表 tables）")


class _Group(click.Group):
    """Turns UsageError into exit status 2 with a one-line message."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            click.echo(f"yuanwei: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", "home", envvar="YUANWEI_HOME", default=None, metavar="DIR",
              help="Folder with the warehouse, app DB, configuration and quarantine (default ./var).")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """远维 yuanwei — a workbench for a bank's remote relationship managers."""
    ctx.obj = Home.resolve(home)
    os.environ["YUANWEI_HOME"] = str(ctx.obj.root)


def _home(ctx: click.Context) -> Home:
    return ctx.find_root().obj.ensure()


@main.command("demo-data")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--customers", default=20_000, show_default=True, type=click.IntRange(1))
@click.option("--days", default=365, show_default=True, type=click.IntRange(60))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "parquet"]))
@click.option("--end", default=None, metavar="YYYY-MM-DD",
              help="Last business day in the data (default: yesterday in Asia/Shanghai).")
def demo_data(out: Path, customers: int, days: int, seed: int, fmt: str, end: str | None) -> None:
    """Write a demo bank in the data contract. 生成演示银行数据。"""
    from yuanwei.demo.generate import write_demo_bank

    end_day = _parse_date(end, "--end") or (_today_shanghai() - dt.timedelta(days=1))
    counts = write_demo_bank(out, customers=customers, days=days, seed=seed, fmt=fmt, end=end_day)
    click.echo(f"演示数据已写入 / demo bank written: {out} (last day {end_day}, "
               f"{sum(counts.values()):,} rows in {len(counts)} tables)")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--encoding", default=None, help="utf-8 or gb18030 (detected per file when not given).")
@click.option("--report", "report_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the load report as JSON.")
@click.pass_context
def ingest(ctx: click.Context, folder: Path, encoding: str | None, report_path: Path | None) -> None:
    """Load a contract folder into the warehouse. 导入数据。"""
    from yuanwei.warehouse.ingest import format_summary, ingest_folder

    report = ingest_folder(_home(ctx), folder, encoding=encoding)
    if report_path:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(format_summary(report))


@main.command()
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD", help="Business date D (default: today).")
@click.option("--backend", default="duckdb", show_default=True, type=click.Choice(["duckdb", "spark"]))
@click.option("--full", is_flag=True, help="Recompute and republish everything, not just what changed.")
@click.pass_context
def run(ctx: click.Context, date: str | None, backend: str, full: bool) -> None:
    """The daily run for D. 每日批处理。"""
    day = _parse_date(date) or _today_shanghai()
    from yuanwei.engine.run import format_summary
    from yuanwei.pipeline import run_and_publish

    summary, published, exchanged = run_and_publish(_home(ctx), day, backend=backend, full=full)
    if exchanged:
        click.echo(f"已导入工作台联系记录 / contacts from the workbench ingested: "
                   f"{exchanged['tables']['contacts']['loaded']:,}")
    click.echo(format_summary(summary))
    click.echo(format_published(published))


@main.command()
@click.argument("what", type=click.Choice(["signals", "tasks", "excluded"]))
@click.option("--date", "date", required=True, metavar="YYYY-MM-DD")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export(ctx: click.Context, what: str, date: str, out: Path) -> None:
    """Export a run's results as CSV. 导出结果。"""
    from yuanwei.engine.export import export_results

    n = export_results(_home(ctx), what, _parse_date(date), out)
    click.echo(f"{n:,} rows → {out}")


@main.command()
@click.option("--evaluate", is_flag=True, help="Walk-forward evaluation on the latest contacts; prints one JSON line.")
@click.option("--holdout", default=0.2, show_default=True, type=click.FloatRange(0.01, 0.99))
@click.option("--refit-every", default=400, show_default=True, type=click.IntRange(1))
@click.option("--window", default=20_000, show_default=True, type=click.IntRange(100))
@click.pass_context
def learn(ctx: click.Context, evaluate: bool, holdout: float, refit_every: int, window: int) -> None:
    """Train propensity and call-time models from contacts. 模型训练。"""
    from yuanwei.learning.cli import learn as do_learn

    do_learn(_home(ctx), evaluate=evaluate, holdout=holdout, refit_every=refit_every, window=window)


@main.command()
@click.option("--from", "date_from", required=True, metavar="YYYY-MM-DD")
@click.option("--to", "date_to", required=True, metavar="YYYY-MM-DD")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rules", "rules", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A proposed rules file: every day is replayed with the current and the proposed rules.")
@click.pass_context
def backtest(ctx: click.Context, date_from: str, date_to: str, out: Path, rules: Path | None) -> None:
    """Replay daily runs over history. 历史回测。"""
    from yuanwei.engine.backtest import backtest as do_backtest

    d1, d2 = _parse_date(date_from, "--from"), _parse_date(date_to, "--to")
    if d2 < d1:
        raise UsageError("--to is before --from / 结束日期早于开始日期")
    do_backtest(_home(ctx), d1, d2, out, rules=rules)


@main.command()
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD", help="Business date D (default: today).")
@click.option("--format", "fmt", default="wechat", show_default=True, type=click.Choice(["wechat", "sms"]))
@click.pass_context
def brief(ctx: click.Context, date: str | None, fmt: str) -> None:
    """The daily market brief from market and news. 每日早报。"""
    day = _parse_date(date) or _today_shanghai()
    from yuanwei.outreach.brief import build_brief, render_sms, render_wechat
    from yuanwei.warehouse.tables import read_recent

    home = _home(ctx)
    cutoff = day - dt.timedelta(days=1)
    market = read_recent(home, "market", "as_of", cutoff - dt.timedelta(days=14), cutoff)
    news = read_recent(home, "news", "published_at_day", cutoff - dt.timedelta(days=3), cutoff)
    b = build_brief(day, market, news)
    click.echo(render_wechat(b) if fmt == "wechat" else render_sms(b))


@main.group()
def sources() -> None:
    """Fill market and news from outside sources. 行情与资讯来源。"""


@sources.command("fetch")
@click.option("--rss", "feeds", multiple=True, metavar="URL", help="An RSS or Atom feed (repeatable).")
@click.option("--akshare", "use_akshare", is_flag=True, help="SSE composite, gold Au99.99 and Brent from AKShare.")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 3650))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
def sources_fetch(feeds: tuple[str, ...], use_akshare: bool, days: int, out: Path) -> None:
    """Write market.csv / news.csv in the data contract, for `yuanwei ingest OUT`."""
    from yuanwei.outreach.sources import fetch_akshare, fetch_rss, write_contract_files

    if not feeds and not use_akshare:
        raise UsageError("nothing to fetch: give --rss URL and/or --akshare / 请指定 --rss 或 --akshare")
    today = _today_shanghai()
    news = [row for url in feeds for row in fetch_rss(url)]
    market = fetch_akshare(today - dt.timedelta(days=days), today) if use_akshare else []
    counts = write_contract_files(out, market=market, news=news)
    click.echo(f"已写入 / written: {counts} → {out}（下一步 / next: yuanwei ingest {out}）")


@main.group()
def outbox() -> None:
    """The outbox of messages to customers. 发件箱。"""


@outbox.command("send")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1))
@click.option("--every", default=None, type=click.IntRange(1), metavar="SECONDS",
              help="Keep running, sending what is due every SECONDS (Ctrl+C to stop).")
@click.pass_context
def outbox_send(ctx: click.Context, limit: int, every: int | None) -> None:
    """Send the messages that are due (for a scheduler, e.g. every 5 minutes)."""
    import time

    from yuanwei.web.bootstrap import setup

    home = _home(ctx)
    setup(home)
    from yuanwei.web.apps.outreach.worker import send_outbox

    while True:
        result = send_outbox(home, limit=limit)
        if result["skipped_quiet"]:
            click.echo("免打扰时段，未发送 / quiet hours, nothing sent")
        click.echo(f"已发送 / sent {result['sent']}, 重试 / retry {result['retried']}, "
                   f"失败 / failed {result['failed']}, 恢复 / recovered {result['recovered']}")
        if every is None:
            break
        time.sleep(every)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app. 启动网页工作台。"""
    from yuanwei.web.server import serve as do_serve

    do_serve(_home(ctx), host=host, port=port)


@main.group()
def users() -> None:
    """Web users from `staff`. 用户管理。"""


@users.command("sync")
@click.pass_context
def users_sync(ctx: click.Context) -> None:
    """Create or update web users from staff (username = staff_id)."""
    from yuanwei.warehouse.tables import read_rows
    from yuanwei.web.bootstrap import sync_users

    home = _home(ctx)
    result = sync_users(home, read_rows(home, "staff"))
    click.echo(f"用户已同步 / users synced: {result['created']} created, {result['updated']} updated, "
               f"{result['deactivated']} deactivated")


@users.command("set-password")
@click.argument("staff_id")
@click.pass_context
def users_set_password(ctx: click.Context, staff_id: str) -> None:
    """Set a user's password (prompted, or from YUANWEI_PASSWORD)."""
    from yuanwei.web.bootstrap import set_password

    password = os.environ.get("YUANWEI_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise UsageError("no password: set YUANWEI_PASSWORD or run in a terminal / 请设置 YUANWEI_PASSWORD")
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    set_password(_home(ctx), staff_id, password)
    click.echo(f"密码已设置 / password set for {staff_id}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def manage(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Any Django management command (migrate, createsuperuser, …)."""
    from yuanwei.web.bootstrap import manage as do_manage

    do_manage(_home(ctx), list(args))


@main.command()
@click.option("--customers", default=20_000, show_default=True, type=click.IntRange(100))
@click.option("--no-serve", is_flag=True, help="Stop before serving.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def demo(ctx: click.Context, customers: int, no_serve: bool, host: str, port: int) -> None:
    """Generate a demo bank, ingest it, run the day, create users, serve. 一键演示。"""
    from yuanwei.demo.orchestrate import run_demo

    run_demo(_home(ctx), customers=customers, serve=not no_serve, host=host, port=port,
             password=os.environ.get("YUANWEI_PASSWORD") or DEMO_PASSWORD, today=_today_shanghai())


if __name__ == "__main__":  # pragma: no cover
    main()
