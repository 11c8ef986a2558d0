"""`yuanwei export`: DESIGN §7 columns, sorted rows, one line for a missing run, same bytes on every backend."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from _bank import DAY, bank_rows, write_bank
from yuanwei.engine.export import EXPORT_COLUMNS, export_results
from yuanwei.engine.run import run_day
from yuanwei.errors import UsageError
from yuanwei.paths import Home
from yuanwei.results import RESULT_TABLES


@pytest.fixture(scope="module")
def bank_warehouse(tmp_path_factory):
    home = Home(tmp_path_factory.mktemp("bank")).ensure()
    write_bank(home, bank_rows())
    return home.warehouse


@pytest.fixture
def bank(home, bank_warehouse) -> Home:
    shutil.copy(bank_warehouse, home.warehouse)
    return home


def read_csv(path) -> tuple[list[str], list[dict]]:
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    return reader.fieldnames, list(reader)


def test_the_signals_export_has_the_columns_of_design_7(bank, tmp_path):
    summary = run_day(bank, DAY, progress=False)

    n = export_results(bank, "signals", DAY, tmp_path / "signals.csv")

    header, rows = read_csv(tmp_path / "signals.csv")
    assert header == ["date", "customer_id", "rule", "urgency", "due_date", "evidence", "explanation"]
    assert n == len(rows) == summary["signals"] > 0
    assert {r["date"] for r in rows} == {"2026-11-30"}
    keys = [(r["customer_id"], r["rule"], r["due_date"]) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        assert isinstance(json.loads(r["evidence"]), dict)
        dt.date.fromisoformat(r["due_date"])
        int(r["urgency"])
    assert any(r["rule"] == "large_inflow" and r["customer_id"] == "C0003" for r in rows)
    # zh-CN explanations survive as UTF-8
    assert all(r["explanation"] for r in rows)
    assert (tmp_path / "signals.csv").read_bytes().startswith(b"date,customer_id,rule,")


def _write_run(home: Home, day: dt.date, name: str, rows: list[dict]) -> None:
    folder = home.runs_dir / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    schema = RESULT_TABLES[name]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / f"{name}.parquet")


def _task(staff, rank, customer, **kw):
    row = dict(date=DAY, staff_id=staff, rank=rank, customer_id=customer, rules="maturity;large_inflow",
               purpose="marketing", channel="phone", offers="P02;P03", window="10:30-11:30", score=0.123456789,
               urgency=3.0, value=1.0, propensity=0.2, levers=1.0, policy_notes="", explanation="理财到期",
               evidence="{}", model_version="prior", carried_over_from=None)
    row.update(kw)
    return row


def test_the_tasks_export_has_the_columns_of_design_7_sorted_by_staff_and_rank(home, tmp_path):
    _write_run(home, DAY, "tasks", [_task("S02", 1, "C0002"), _task("S01", 2, "C0009", policy_notes="老年客户，仅低风险"),
                                    _task("S01", 1, "C0004", score=None)])

    n = export_results(home, "tasks", DAY, tmp_path / "tasks.csv")

    header, rows = read_csv(tmp_path / "tasks.csv")
    assert header == list(EXPORT_COLUMNS["tasks"]) == [
        "date", "staff_id", "rank", "customer_id", "rules", "purpose", "channel", "offers", "window", "score",
        "policy_notes"]
    assert n == 3
    assert [(r["staff_id"], r["rank"]) for r in rows] == [("S01", "1"), ("S01", "2"), ("S02", "1")]
    assert rows[0]["score"] == "" and rows[2]["score"] == "0.123457"
    assert rows[1]["policy_notes"] == "老年客户，仅低风险" and rows[1]["offers"] == "P02;P03"
    assert rows[1]["window"] == "10:30-11:30"


def test_the_excluded_export_has_the_columns_of_design_7(home, tmp_path):
    _write_run(home, DAY, "excluded", [
        dict(date=DAY, customer_id="C0009", rule="large_inflow", staff_id="S01", reason_code="no_consent",
             reason="客户未授权营销"),
        dict(date=DAY, customer_id="C0001", rule="birthday", staff_id="S02", reason_code="pressure_7d",
             reason="本周已联系, \"两次\""),
    ])

    export_results(home, "excluded", DAY, tmp_path / "excluded.csv")

    header, rows = read_csv(tmp_path / "excluded.csv")
    assert header == ["date", "customer_id", "rule", "reason"]
    assert [r["customer_id"] for r in rows] == ["C0001", "C0009"]
    assert rows[0]["reason"] == "本周已联系, \"两次\""   # quoted, not split


def test_a_date_without_a_run_is_a_one_line_usage_error(home, tmp_path):
    with pytest.raises(UsageError) as error:
        export_results(home, "signals", dt.date(2026, 1, 5), tmp_path / "x.csv")
    assert "no run for 2026-01-05" in str(error.value)
    assert "yuanwei run --date 2026-01-05" in str(error.value)
    assert "\n" not in str(error.value) and not (tmp_path / "x.csv").exists()


def test_the_cli_exits_2_for_a_date_without_a_run(home, tmp_path):
    result = CliRunner().invoke(__import__("yuanwei.cli", fromlist=["main"]).main,
                                ["--home", str(home.root), "export", "signals", "--date", "2026-01-05",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "no run for 2026-01-05" in result.output


def test_a_run_without_tasks_says_so(home, tmp_path):
    _write_run(home, DAY, "signals", [])
    with pytest.raises(UsageError, match="has no tasks"):
        export_results(home, "tasks", DAY, tmp_path / "tasks.csv")
    assert export_results(home, "signals", DAY, tmp_path / "signals.csv") == 0
    assert (tmp_path / "signals.csv").read_text(encoding="utf-8") == (
        "date,customer_id,rule,urgency,due_date,evidence,explanation\n")


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_spark_give_identical_exports(tmp_path, bank_warehouse, spark_session):
    homes = {}
    for backend in ("duckdb", "spark"):
        home = Home(tmp_path / backend).ensure()
        shutil.copy(bank_warehouse, home.warehouse)
        summary = run_day(home, DAY, backend=backend, progress=False)
        assert summary["backend"] == backend
        homes[backend] = (home, summary)

    (duck, a), (spark, b) = homes["duckdb"], homes["spark"]
    assert a["signals_per_rule"] == b["signals_per_rule"] and a["signals"] > 0
    whats = ["signals"] + (["tasks", "excluded"] if a["tasks"] is not None else [])
    for what in whats:
        export_results(duck, what, DAY, tmp_path / f"duckdb-{what}.csv")
        export_results(spark, what, DAY, tmp_path / f"spark-{what}.csv")
        assert (tmp_path / f"spark-{what}.csv").read_bytes() == (tmp_path / f"duckdb-{what}.csv").read_bytes(), what
    # the result files the web side publishes are the same data too
    # (flows and balances keep the warehouse order on DuckDB: compare them sorted)
    keys = {"flows": ["txn_id"], "balances": ["customer_id", "as_of"], "holdings": ["holding_id"],
            "contacts": ["contact_id"], "products": ["product_id"], "profiles": ["customer_id"]}
    for name, key in keys.items():
        x = pq.read_table(duck.runs_dir / "2026-11-30" / f"{name}.parquet").sort_by([(k, "ascending") for k in key])
        y = pq.read_table(spark.runs_dir / "2026-11-30" / f"{name}.parquet").sort_by([(k, "ascending") for k in key])
        assert x.num_rows > 0 and x.equals(y), name
