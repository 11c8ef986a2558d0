"""Same arguments give byte-identical files; a different seed gives a different bank; Parquet holds
the same bank as CSV, typed."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from yuanwei.contract.schema import TABLES
from yuanwei.demo.generate import write_demo_bank
from yuanwei.errors import UsageError

END = dt.date(2026, 11, 29)
N = 300


def digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def make(tmp_path, name, **kw):
    args = dict(customers=N, days=365, seed=42, fmt="csv", end=END, progress=False) | kw
    out = tmp_path / name
    counts = write_demo_bank(out, **args)
    return out, counts


def test_same_arguments_give_identical_files(tmp_path):
    a, counts = make(tmp_path, "a")
    b, _ = make(tmp_path, "b")
    assert len(digest(a)) == len(TABLES)
    assert digest(a) == digest(b)
    assert counts["customers"] == N


def test_a_different_seed_or_end_gives_a_different_bank(tmp_path):
    a, _ = make(tmp_path, "a")
    b, _ = make(tmp_path, "b", seed=43)
    c, _ = make(tmp_path, "c", end=END - dt.timedelta(days=1))
    da, db, dc = digest(a), digest(b), digest(c)
    assert da["customers.csv"] != db["customers.csv"] and da["transactions.csv"] != db["transactions.csv"]
    assert da["transactions.csv"] != dc["transactions.csv"]


def test_parquet_is_deterministic_and_holds_the_csv_bank_typed(tmp_path):
    p1, counts_p = make(tmp_path, "p1", fmt="parquet")
    p2, _ = make(tmp_path, "p2", fmt="parquet")
    assert digest(p1) == digest(p2)
    c, counts_c = make(tmp_path, "c")
    assert counts_p == counts_c
    for name, table in TABLES.items():
        pt = pq.read_table(p1 / f"{name}.parquet")
        assert tuple(pt.column_names) == table.column_names
        text = pacsv.read_csv(c / f"{name}.csv", convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in table.column_names}, strings_can_be_null=True))
        for col in table.columns:
            typ = pt.schema.field(col.name).type
            if col.kind == "money":
                assert typ == pa.decimal128(18, 2), (name, col.name)
            elif col.kind == "date":
                assert typ == pa.date32(), (name, col.name)
            elif col.kind == "timestamp":
                assert typ == pa.timestamp("ms", tz="Asia/Shanghai"), (name, col.name)
                as_text = pc.binary_join_element_wise(
                    pc.strftime(pt[col.name].cast(pa.timestamp("s", tz="Asia/Shanghai")), format="%Y-%m-%dT%H:%M:%S"), pa.scalar("+08:00"), "")
                assert as_text.to_pylist() == text[col.name].to_pylist(), (name, col.name)
                continue
            elif col.kind in ("id", "str", "enum"):
                assert typ == pa.string(), (name, col.name)
            values = pt[col.name].cast(pa.string()).to_pylist()
            if col.kind == "bool":
                values = [None if v is None else v.lower() for v in values]
            assert values == text[col.name].to_pylist(), (name, col.name)


def test_a_tiny_bank_still_fires_each_planted_case(tmp_path):
    from .signal_queries import count, queries
    from .conftest import open_bank

    out, _ = make(tmp_path, "tiny", customers=200, seed=5)
    con = open_bank(out)
    for rule, sql in queries(END + dt.timedelta(days=1)).items():
        assert count(con, sql) >= 1, rule


def test_bad_arguments_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="csv"):
        write_demo_bank(tmp_path / "x", customers=10, fmt="xlsx", end=END, progress=False)
    with pytest.raises(UsageError, match="60"):
        write_demo_bank(tmp_path / "x", customers=10, days=30, end=END, progress=False)


def test_switching_format_leaves_one_copy_of_each_table(tmp_path):
    out, _ = make(tmp_path, "x", customers=50)
    make(tmp_path, "x", customers=50, fmt="parquet")
    assert sorted(p.suffix for p in out.iterdir()) == [".parquet"] * len(TABLES)


def test_the_command_line_writes_a_demo_bank(tmp_path):
    from yuanwei.cli import main

    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "demo-data", str(tmp_path / "cli"),
                                       "--customers", "120", "--days", "90", "--end", str(END)])
    assert result.exit_code == 0, result.output
    assert "2026-11-29" in result.output
    assert (tmp_path / "cli" / "transactions.csv").stat().st_size > 0


def test_the_progress_bar_does_not_change_the_files(tmp_path):
    quiet, _ = make(tmp_path, "quiet", customers=60)
    shown, _ = make(tmp_path, "shown", customers=60, progress=True)
    assert digest(quiet) == digest(shown)


def test_ids_stay_unique_across_chunks(tmp_path, monkeypatch):
    import yuanwei.demo.generate as generate

    from .conftest import open_bank

    monkeypatch.setattr(generate, "CHUNK", 128)  # 300 customers in three chunks
    out, counts = make(tmp_path, "chunks")
    con = open_bank(out)
    for table, key in (("transactions", "txn_id"), ("contacts", "contact_id"), ("holdings", "holding_id"),
                       ("customers", "customer_id"), ("accounts", "account_id")):
        distinct = con.execute(f"SELECT count(DISTINCT {key}) FROM {table}").fetchone()[0]
        assert distinct == counts[table], table
    assert con.execute("SELECT max(txn_id) FROM transactions").fetchone()[0] == f"T{counts['transactions']:012d}"
