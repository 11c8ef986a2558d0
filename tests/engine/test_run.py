"""The daily run: result files, atomicity, idempotence, the lock, the run record, as-of dates."""

from __future__ import annotations

import collections
import datetime as dt
import json
import shutil
import subprocess
import sys
import textwrap

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _bank import DAY, bank_rows, write_bank
from yuanwei.engine.export import export_results
from yuanwei.engine.record import signal_history
from yuanwei.engine.run import STAGES, StageFailed, format_summary, run_day
from yuanwei.errors import RunInProgress, UsageError
from yuanwei.paths import Home
from yuanwei.results import REFERENCE_TABLES, RESULT_TABLES, in_window


@pytest.fixture(scope="session")
def bank_warehouse(tmp_path_factory):
    """The small bank's warehouse file, built once and copied into each test's home."""
    home = Home(tmp_path_factory.mktemp("bank")).ensure()
    write_bank(home, bank_rows())
    return home.warehouse


@pytest.fixture
def bank(home, bank_warehouse) -> Home:
    shutil.copy(bank_warehouse, home.warehouse)
    return home


def folder_bytes(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def warehouse_rows(home: Home, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_it_writes_every_result_file_with_its_schema(bank):
    summary = run_day(bank, DAY, progress=False)

    folder = bank.runs_dir / "2026-11-30"
    assert summary["status"] == "ok" and summary["run_dir"] == str(folder)
    for name in ("profiles", "signals", "holdings", "flows", "balances"):
        assert pq.read_schema(folder / f"{name}.parquet").equals(RESULT_TABLES[name]), name
    for name in REFERENCE_TABLES:
        assert (folder / f"{name}.parquet").exists(), name
    flows = pq.read_table(folder / "flows.parquet").to_pylist()
    days = {r["booked_at"].date() for r in flows}
    assert min(days) >= DAY - dt.timedelta(days=90) and max(days) == DAY - dt.timedelta(days=1)
    balances = pq.read_table(folder / "balances.parquet", columns=["as_of"]).column("as_of").to_pylist()
    assert min(balances) >= DAY - dt.timedelta(days=365) and max(balances) == DAY - dt.timedelta(days=1)
    contacts = pq.read_table(folder / "contacts.parquet").column("at").to_pylist()
    assert max(contacts).date() < DAY
    # C0029 opens on D+1: not yet a customer; H0011c is bought on D+1: not yet held
    profiles = pq.read_table(folder / "profiles.parquet").column("customer_id").to_pylist()
    assert "C0029" not in profiles and "C0028" in profiles and profiles == sorted(profiles)
    holdings = pq.read_table(folder / "holdings.parquet").to_pylist()
    assert "H0011c" not in {h["holding_id"] for h in holdings}
    fund = next(h for h in holdings if h["holding_id"] == "H0001b")
    assert fund["product_name"] == "科技成长基金" and fund["latest_nav"] is not None
    assert fund["market_value"] == (fund["units"] * fund["latest_nav"]).quantize(fund["amount"])
    assert fund["gain"] == fund["market_value"] - fund["amount"]
    manifest = json.loads((folder / "_run.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == summary["run_id"] and manifest["files"]["signals"]["rows"] == summary["signals"]
    assert not [p for p in bank.runs_dir.iterdir() if p.name.startswith(".")]


def test_the_signals_see_the_large_inflow_of_the_day_before(bank, capsys):
    run_day(bank, DAY, progress=True)

    shown = capsys.readouterr().err   # the progress display, one line per stage, on stderr
    assert "远维每日批处理 / daily run 2026-11-30" in shown and "维护信号 / signals" in shown

    signals = pq.read_table(bank.runs_dir / "2026-11-30" / "signals.parquet").to_pylist()
    inflow = {s["customer_id"] for s in signals if s["rule"] == "large_inflow"}
    # ¥520,000 on D-1 for C0003, C0013, …; the ¥700,000 of D+1 is invisible
    assert {"C0003", "C0013", "C0023", "C0033", "C0043", "C0053"} <= inflow
    assert all(s["date"] == DAY for s in signals)


@pytest.fixture(scope="session")
def bank_with_two_runs(tmp_path_factory, bank_warehouse):
    """A home with successful runs of D-1 and D (built once; copied by each test)."""
    home = Home(tmp_path_factory.mktemp("two-runs") / "home").ensure()
    shutil.copy(bank_warehouse, home.warehouse)
    run_day(home, DAY, progress=False)
    run_day(home, DAY - dt.timedelta(days=1), progress=False)
    return home


@pytest.mark.parametrize("stage", STAGES)
def test_a_failure_at_any_stage_leaves_every_previous_result_untouched(tmp_path, bank_with_two_runs,
                                                                        monkeypatch, stage):
    bank = Home(tmp_path / "home")
    shutil.copytree(bank_with_two_runs.root, bank.root)
    before = folder_bytes(bank.runs_dir)
    history_before = signal_history(bank)
    # new data that would change D's results if the run went through
    con = duckdb.connect(str(bank.warehouse))
    con.execute("""INSERT INTO transactions VALUES ('TX-NEW', 'AC0001', 'C0001', TIMESTAMP '2026-11-29 20:00:00',
                   DATE '2026-11-29', 900000.00, 'transfer', NULL, NULL)""")
    con.close()

    monkeypatch.setenv("YUANWEI_FAIL_STAGE", stage)
    with pytest.raises(StageFailed) as failed:
        run_day(bank, DAY, progress=False)

    assert failed.value.stage == stage
    assert folder_bytes(bank.runs_dir) == before
    assert sorted(p.name for p in bank.runs_dir.iterdir()) == ["2026-11-29", "2026-11-30"]
    assert signal_history(bank).equals(history_before)
    failed_runs = warehouse_rows(bank, "SELECT error FROM runs WHERE status = 'failed'")
    assert len(failed_runs) == 1 and failed_runs[0][0].startswith(f"{stage}: ")
    assert "injected failure" in failed_runs[0][0]

    monkeypatch.delenv("YUANWEI_FAIL_STAGE")
    run_day(bank, DAY, progress=False)   # the next good run goes through and sees the new row
    flows = pq.read_table(bank.runs_dir / "2026-11-30" / "flows.parquet").column("txn_id").to_pylist()
    assert "TX-NEW" in flows


def test_a_failed_first_run_of_a_day_leaves_no_folder(bank):
    with pytest.raises(StageFailed):
        run_day(bank, DAY, progress=False, fail_stage="write")
    assert list(bank.runs_dir.iterdir()) == []


def test_a_run_killed_mid_swap_is_repaired_by_the_next_run(tmp_path, bank_with_two_runs):
    bank = Home(tmp_path / "home")
    shutil.copytree(bank_with_two_runs.root, bank.root)
    before = folder_bytes(bank.runs_dir / "2026-11-29")
    # killed between the two renames: D-1's results moved aside, the new ones not yet in place
    (bank.runs_dir / "2026-11-29").rename(bank.runs_dir / ".2026-11-29.old-1a2b3c")
    (bank.runs_dir / ".2026-11-29.tmp-2026-11-29-1a2b3c").mkdir()

    run_day(bank, DAY, progress=False)

    assert sorted(p.name for p in bank.runs_dir.iterdir()) == ["2026-11-29", "2026-11-30"]
    assert folder_bytes(bank.runs_dir / "2026-11-29") == before


def test_a_rerun_gives_byte_identical_exports(bank, tmp_path):
    first = run_day(bank, DAY, progress=False)
    whats = ["signals"] + [w for w in ("tasks", "excluded") if first["tasks"] is not None]
    for what in whats:
        export_results(bank, what, DAY, tmp_path / f"first-{what}.csv")

    again = run_day(bank, DAY, progress=False, full=True)

    assert again["run_id"] != first["run_id"] and again["changed"] == [] and again["full"] is True
    for what in whats:
        export_results(bank, what, DAY, tmp_path / f"again-{what}.csv")
        assert (tmp_path / f"again-{what}.csv").read_bytes() == (tmp_path / f"first-{what}.csv").read_bytes()
    assert first["signals"] > 0


def test_a_second_run_is_refused_while_one_holds_the_lock(bank):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import datetime, sys, time
        from pathlib import Path
        from yuanwei.engine.run import run_lock
        from yuanwei.paths import Home
        with run_lock(Home(Path({str(bank.root)!r})), datetime.date(2026, 11, 29)):
            print("held", flush=True)
            sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunInProgress) as refused:
            run_day(bank, DAY, progress=False)
        message = str(refused.value)
        assert f"pid {holder.pid}" in message and "date 2026-11-29" in message and "started 20" in message
        assert isinstance(refused.value, UsageError)   # the CLI prints one line, exit 2
        assert not bank.runs_dir.joinpath("2026-11-30").exists()
    finally:
        holder.communicate("\n", timeout=30)
    assert run_day(bank, DAY, progress=False)["status"] == "ok"


def test_the_run_record_says_what_the_run_saw_and_found(bank):
    from yuanwei.engine.rules import load_rules

    summary = run_day(bank, DAY, progress=False)
    run_day(bank, DAY, progress=False)   # the rerun replaces D's signals (its signal history), adds a run

    con = duckdb.connect(str(bank.warehouse), read_only=True)
    from yuanwei.engine.record import read_runs

    runs = read_runs(con, DAY)
    history = signal_history(bank, DAY).select(["customer_id", "rule", "run_id"]).to_pylist()
    con.close()
    assert len(runs) == 2 and {r["status"] for r in runs} == {"ok"}
    first = next(r for r in runs if r["run_id"] == summary["run_id"])
    cfg = load_rules(None)
    assert (first["rules_version"], first["rules_hash"]) == (str(cfg.version), str(cfg.hash))
    assert first["backend"] == "duckdb" and first["date"] == DAY and first["error"] is None
    # the warehouse holds data up to 2026-12-02; the run of D saw up to D-1
    assert first["max_booked_at_day"] == dt.date(2026, 11, 29)
    assert first["max_balance_as_of"] == dt.date(2026, 11, 29)
    assert first["max_contact_at"] == dt.datetime(2026, 11, 25, 10, 5)
    signals = pq.read_table(bank.runs_dir / "2026-11-30" / "signals.parquet").to_pylist()
    per_rule: dict[str, int] = {}
    for s in signals:
        per_rule[s["rule"]] = per_rule.get(s["rule"], 0) + 1
    assert first["signals_per_rule"] == per_rule == summary["signals_per_rule"]
    assert first["signals"] == len(signals)
    assert first["customers_touched"] == len({s["customer_id"] for s in signals})
    assert {"config", "backend", "features", "signals", "tasks", "write"} <= set(first["stage_seconds"])
    assert first["row_counts"]["flows"] > 0 and first["finished_at"] >= first["started_at"]
    # signal_history holds D's signals once, from the latest run
    assert len(history) == len(signals)
    assert {h["run_id"] for h in history} == {runs[0]["run_id"]}
    # the warehouse keeps no copy of them
    assert warehouse_rows(bank, "SELECT count(*) FROM information_schema.tables "
                                "WHERE table_name = 'signal_history'") == [(0,)]

    text = format_summary(summary)
    assert "维护信号 / signals" in text and "2026-11-30" in text
    assert all(rule in text for rule in per_rule)


def test_a_past_date_ignores_rows_that_arrived_later(tmp_path, tmp_path_factory):
    """A run for 2026-11-20 on today's warehouse equals the run on the warehouse as it was then."""
    rows = bank_rows()
    past = dt.date(2026, 11, 20)
    later = Home(tmp_path / "later").ensure()
    then = Home(tmp_path / "then").ensure()
    write_bank(later, rows)
    write_bank(then, rows, cutoff=past - dt.timedelta(days=1))

    a = run_day(later, past, progress=False)
    b = run_day(then, past, progress=False)

    assert a["signals"] == b["signals"] and a["signals_per_rule"] == b["signals_per_rule"]
    assert a["signals_per_rule"].get("large_inflow", 0) >= 5   # the ¥88,000 of 2026-11-19
    for what in ["signals"] + (["tasks", "excluded"] if a["tasks"] is not None else []):
        export_results(later, what, past, tmp_path / f"later-{what}.csv")
        export_results(then, what, past, tmp_path / f"then-{what}.csv")
        assert (tmp_path / f"later-{what}.csv").read_bytes() == (tmp_path / f"then-{what}.csv").read_bytes()
    fa, fb = later.runs_dir / "2026-11-20", then.runs_dir / "2026-11-20"
    for name in ("profiles", "holdings", "flows", "balances", *REFERENCE_TABLES):
        x, y = pq.read_table(fa / f"{name}.parquet"), pq.read_table(fb / f"{name}.parquet")
        order = [(c, "ascending") for c in x.column_names if x.schema.field(c).type != pa.bool_()]
        assert x.sort_by(order).equals(y.sort_by(order)), name


def test_it_refuses_a_home_without_a_warehouse(home):
    with pytest.raises(UsageError, match="yuanwei ingest"):
        run_day(home, DAY, progress=False)


def test_it_refuses_an_unknown_fail_stage(bank, monkeypatch):
    monkeypatch.setenv("YUANWEI_FAIL_STAGE", "publish")
    with pytest.raises(UsageError, match="not a stage"):
        run_day(bank, DAY, progress=False)


@pytest.mark.slow
def test_a_demo_bank_ingested_then_run_end_to_end(home, tmp_path):
    """Realistic input: the demo generator's files through ingest, then two days of runs."""
    from yuanwei.demo.generate import write_demo_bank
    from yuanwei.engine.signals import RULES
    from yuanwei.warehouse.ingest import ingest_folder

    end = dt.date(2026, 11, 27)
    write_demo_bank(tmp_path / "demo", customers=300, days=120, seed=1, fmt="csv", end=end, progress=False)
    load = ingest_folder(home, tmp_path / "demo", progress=False)

    day = end + dt.timedelta(days=1)
    summary = run_day(home, day, progress=False)

    assert summary["latest_load_id"] == load["load_id"]
    assert summary["max_booked_at_day"] == end and summary["max_balance_as_of"] == end
    assert set(summary["signals_per_rule"]) == set(RULES)   # the demo plants a case of every rule
    assert summary["customers_touched"] <= 300 and summary["row_counts"]["profiles"] <= 300
    export_results(home, "signals", day, tmp_path / "a.csv")

    # the next morning: a small extract of day D arrives, then the run of D+1
    con = duckdb.connect(str(home.warehouse), read_only=True)
    extract = tmp_path / "extract"
    extract.mkdir()
    con.execute(f"""COPY (SELECT customer_id, as_of + 1 AS as_of, current, time_deposit, investments, aum
                    FROM balances WHERE as_of = DATE '{end}') TO '{extract / "balances.csv"}' (HEADER)""")
    con.execute(f"""COPY (SELECT txn_id || '-n' AS txn_id, account_id, customer_id, booked_at + INTERVAL 1 DAY
                    AS booked_at, amount, kind, counterparty, channel FROM transactions
                    WHERE booked_at_day = DATE '{end}') TO '{extract / "transactions.csv"}' (HEADER)""")
    con.execute(f"""COPY (SELECT contact_id || '-n' AS contact_id, customer_id, staff_id, "at" + INTERVAL 1 DAY AS "at",
                    channel, outcome, product_id, note FROM contacts WHERE at_day = DATE '{end}')
                    TO '{extract / "contacts.csv"}' (HEADER)""")
    con.close()
    second = ingest_folder(home, extract, progress=False)
    assert second["tables"]["contacts"]["loaded"] > 0
    before = tmp_path / "before"
    shutil.copytree(home.root, before)
    nxt = run_day(home, day + dt.timedelta(days=1), progress=False)

    assert nxt["latest_load_id"] == second["load_id"] and nxt["max_balance_as_of"] == day
    # the run state of D was carried to D+1, and gives what a full build gives, to the byte
    assert nxt["state"] == f"carried from {day} / 沿用 {day} 的状态"
    rebuilt = run_day(Home(before), day + dt.timedelta(days=1), progress=False, full=True)
    assert rebuilt["state"].startswith("full run")
    for what in ("signals", "tasks", "excluded"):
        export_results(home, what, day + dt.timedelta(days=1), tmp_path / f"carried-{what}.csv")
        export_results(Home(before), what, day + dt.timedelta(days=1), tmp_path / f"full-{what}.csv")
        assert (tmp_path / f"carried-{what}.csv").read_bytes() == (tmp_path / f"full-{what}.csv").read_bytes()
    for name in ("profiles", "_state/balances", "_state/flows"):
        assert nxt["row_counts"][name] == rebuilt["row_counts"][name]
    carried_profiles = pq.read_table(home.runs_dir / str(day + dt.timedelta(days=1)) / "profiles.parquet")
    full_profiles = pq.read_table(before / "runs" / str(day + dt.timedelta(days=1)) / "profiles.parquet")
    assert carried_profiles.equals(full_profiles)
    # the history files of the carried run: D's file hard-linked as a part, plus the new day's part;
    # inside the window they hold exactly the rows of the file a full run writes
    nxt_day = day + dt.timedelta(days=1)
    for name, keys in (("flows", ["txn_id"]), ("balances", ["customer_id", "as_of"])):
        parts = home.runs_dir / str(nxt_day) / f"{name}.parquet"
        assert sorted(p.name for p in parts.iterdir()) == [f"part-{day}.parquet", f"part-{nxt_day}.parquet"]
        assert (parts / f"part-{day}.parquet").stat().st_ino == (home.runs_dir / str(day) / f"{name}.parquet").stat().st_ino
        order = [(k, "ascending") for k in keys]
        got = in_window(pq.read_table(parts), name, nxt_day).sort_by(order)
        whole = pq.read_table(before / "runs" / str(nxt_day) / f"{name}.parquet")
        assert in_window(whole, name, nxt_day).num_rows == whole.num_rows
        assert got.num_rows > 0 and got.equals(whole.sort_by(order))
    # the contacts are kept whole (no window): D's file and a part with the contacts of D
    parts = home.runs_dir / str(nxt_day) / "contacts.parquet"
    assert sorted(p.name for p in parts.iterdir()) == [f"part-{day}.parquet", f"part-{nxt_day}.parquet"]
    assert (parts / f"part-{day}.parquet").stat().st_ino == (home.runs_dir / str(day) / "contacts.parquet").stat().st_ino
    order = [("contact_id", "ascending")]
    whole = pq.read_table(before / "runs" / str(nxt_day) / "contacts.parquet")
    assert pq.read_table(parts).sort_by(order).equals(whole.sort_by(order))
    assert nxt["row_counts"]["contacts"] == whole.num_rows > summary["row_counts"]["contacts"]
    # reference tables stamped whole and unchanged since D: D's files, linked
    for name in ("branches", "staff", "products", "relatives", "assignments", "employers"):
        linked = home.runs_dir / str(nxt_day) / f"{name}.parquet"
        assert linked.stat().st_ino == (home.runs_dir / str(day) / f"{name}.parquet").stat().st_ino, name
        got = pq.read_table(linked)
        assert got.sort_by([(c, "ascending") for c in got.column_names]).equals(
            pq.read_table(before / "runs" / str(nxt_day) / f"{name}.parquet").sort_by(
                [(c, "ascending") for c in got.column_names])), name
    # D's results and export are untouched by the next day's run
    export_results(home, "signals", day, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    history = signal_history(home)
    dates = sorted(collections.Counter(history.column("date").to_pylist()).items())
    assert dates == [(day, summary["signals"]), (day + dt.timedelta(days=1), nxt["signals"])]


def test_a_carried_run_links_only_the_parts_that_reach_into_its_window(bank):
    """A history part whose rows have all left the window is not linked into the next run."""
    from yuanwei.warehouse.stamps import ensure_stamps

    con = duckdb.connect(str(bank.warehouse))
    try:
        ensure_stamps(con)   # content stamps, as ingest keeps them: the state can be carried
    finally:
        con.close()
    d0 = DAY - dt.timedelta(days=1)
    run_day(bank, d0, progress=False)
    flows = bank.runs_dir / str(d0) / "flows.parquet"
    whole = pq.read_table(flows)
    assert whole.num_rows > 0
    flows.unlink()
    flows.mkdir()
    pq.write_table(whole, flows / f"part-{d0}.parquet")
    old = dict(whole.slice(0, 1).to_pylist()[0], txn_id="T-long-gone",
               booked_at=dt.datetime.combine(d0 - dt.timedelta(days=200), dt.time(10)))
    pq.write_table(pa.Table.from_pylist([old], schema=whole.schema), flows / "part-2026-01-01.parquet")

    summary = run_day(bank, DAY, progress=False)

    assert summary["state"] == f"carried from {d0} / 沿用 {d0} 的状态"
    parts = bank.runs_dir / str(DAY) / "flows.parquet"
    assert sorted(p.name for p in parts.iterdir()) == [f"part-{d0}.parquet", f"part-{DAY}.parquet"]
    assert (parts / f"part-{d0}.parquet").stat().st_ino == (flows / f"part-{d0}.parquet").stat().st_ino
    assert summary["row_counts"]["flows"] == sum(pq.ParquetFile(p).metadata.num_rows for p in parts.iterdir())


@pytest.mark.spark
def test_spark_brings_a_large_result_to_the_driver_in_chunks(bank, tmp_path, spark_session, monkeypatch):
    # 60M balances at 1M customers passed Spark's maxResultSize in one collect: the file is written
    # from chunks (buckets of the first key, each sorted), the same data as one collect gives
    from yuanwei.engine import run
    from yuanwei.warehouse import backends

    handle, raw = backends.open_tables(bank, "spark")
    tables = backends.as_of(raw, DAY)
    schema, keys = RESULT_TABLES["flows"], run.SORT_KEYS["flows"]
    whole = run._write_expr(run._flows_expr(tables, DAY), schema, keys, tmp_path / "whole.parquet", "flows")
    monkeypatch.setattr(run, "SPARK_CHUNK_ROWS", 40)
    chunked = run._write_expr(run._flows_expr(tables, DAY), schema, keys, tmp_path / "chunked.parquet", "flows")
    backends.close(handle)
    assert whole["rows"] == chunked["rows"] > 120
    file = pq.ParquetFile(tmp_path / "chunked.parquet")
    assert file.metadata.num_row_groups == -(-chunked["rows"] // 40) and file.schema_arrow == schema
    a = pq.read_table(tmp_path / "whole.parquet")
    b = file.read().sort_by([(k, "ascending") for k in keys])
    assert a.equals(b)


def test_a_reference_table_changed_since_the_earlier_run_is_written_not_linked(bank, tmp_path):
    """Unchanged reference tables are the earlier run's files, linked; one whose content changed
    since (its stamp differs) is written from the warehouse."""
    from pyarrow import csv as pacsv

    from yuanwei.warehouse.ingest import ingest_folder
    from yuanwei.warehouse.stamps import ensure_stamps

    con = duckdb.connect(str(bank.warehouse))
    try:
        ensure_stamps(con)
    finally:
        con.close()
    d0 = DAY - dt.timedelta(days=1)
    run_day(bank, d0, progress=False)
    staff = pq.read_table(bank.runs_dir / str(d0) / "staff.parquet")
    renamed = pa.Table.from_pylist([dict(staff.slice(0, 1).to_pylist()[0], name="改名后")], schema=staff.schema)
    extract = tmp_path / "extract"
    extract.mkdir()
    pacsv.write_csv(renamed, extract / "staff.csv")
    ingest_folder(bank, extract, progress=False)

    summary = run_day(bank, DAY, progress=False)

    assert summary["state"] == f"carried from {d0} / 沿用 {d0} 的状态"
    now, then = bank.runs_dir / str(DAY), bank.runs_dir / str(d0)
    assert (now / "staff.parquet").stat().st_ino != (then / "staff.parquet").stat().st_ino
    names = dict(zip(*pq.read_table(now / "staff.parquet", columns=["staff_id", "name"]).columns))
    assert names[renamed["staff_id"][0]].as_py() == "改名后"
    assert (now / "branches.parquet").stat().st_ino == (then / "branches.parquet").stat().st_ino


def test_the_later_stages_modules_are_imported_in_a_thread():
    # pandas, Ibis' result conversion and the tasks stage are not imported with the run module
    # (cold, ~3 s): a thread imports them while the first queries run
    code = textwrap.dedent("""
        import sys, threading
        import yuanwei.engine.run as run
        missing = [m for m in run.LATER_IMPORTS if m not in sys.modules]
        assert "pandas" in missing, missing
        run._preload_later_stages()
        for t in threading.enumerate():
            if t.name == "yuanwei-imports":
                t.join()
        assert all(m in sys.modules for m in run.LATER_IMPORTS)
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_writers_threads_yield_to_the_main_thread(bank, monkeypatch):
    # the run waits on its main thread: the threads writing results, state and copied files
    # beside it (and reading the previous run's files for the tasks stage) run niced, so on two
    # cores the main one keeps a core of its own
    import os
    import threading

    import yuanwei.engine.run as run

    seen: dict[str, list[int]] = collections.defaultdict(list)

    def priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def spy(name, fn):
        def wrapped(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                seen[name].append(priority())
            return fn(*args, **kwargs)
        monkeypatch.setattr(run, name, wrapped)

    for name in ("_write_results", "write_state", "_write_copied", "_read_earlier_run"):
        spy(name, getattr(run, name))
    before = priority()
    run_day(bank, DAY, progress=False)
    assert priority() == before                        # the main thread is left as it was
    assert set(seen) == {"_write_results", "write_state", "_write_copied", "_read_earlier_run"}
    expected = max(before, run.BACKGROUND_NICE) if os.geteuid() != 0 else run.BACKGROUND_NICE
    assert all(v == expected for values in seen.values() for v in values), seen


def test_the_run_allocates_arrow_memory_from_the_system_and_restores_the_pool(bank, monkeypatch):
    # pyarrow's default allocator (mimalloc) cost a 1M-customer run ~2 s of system time in page
    # faults; the run uses the system's, unless ARROW_DEFAULT_MEMORY_POOL names one
    import yuanwei.engine.run as run

    seen = []
    locked = run._run_locked

    def spy(*args, **kwargs):
        seen.append(pa.default_memory_pool().backend_name)
        return locked(*args, **kwargs)

    monkeypatch.setattr(run, "_run_locked", spy)
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    before = pa.default_memory_pool().backend_name
    run_day(bank, DAY, progress=False)
    assert seen == ["system"] and pa.default_memory_pool().backend_name == before
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    run_day(bank, DAY, progress=False)
    assert seen[-1] == before and pa.default_memory_pool().backend_name == before
