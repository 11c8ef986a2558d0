"""``ingest_folder`` end to end: encodings, Parquet, upserts, idempotence, whole-file errors,
notices, atomicity, the load log and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from contract.bank import BAD_ROWS, base, query, read_quarantine, write_extract, write_table
from yuanwei.cli import main
from yuanwei.contract.schema import TABLES
from yuanwei.errors import UsageError
from yuanwei.warehouse import ingest as ingest_module
from yuanwei.warehouse.ingest import format_summary, ingest_folder


def counts(home) -> dict[str, int]:
    return {name: query(home, f'SELECT count(*) FROM "{name}"')[0][0] for name in TABLES}


def snapshot(home) -> dict[str, list]:
    return {name: sorted(map(repr, query(home, f'SELECT * FROM "{name}"'))) for name in TABLES}


def test_it_loads_a_clean_extract_of_every_table(home, tmp_path):
    report = ingest_folder(home, write_extract(tmp_path / "in"), progress=False)
    assert set(report["tables"]) == set(TABLES)
    assert report["totals"] == {"read": 34, "loaded": 34, "quarantined": 0}
    assert all(t["quarantine_file"] is None for t in report["tables"].values())
    assert counts(home) == {name: 2 for name in TABLES}
    json.dumps(report)  # the CLI writes it as JSON
    # a first load renames its staging table into place: the result must be the contract's table
    for name, table in TABLES.items():
        described = query(home, f'SELECT column_name, column_type FROM (DESCRIBE "{name}")')
        assert described == table.stored_columns(), name
    assert query(home, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '\\_\\_%' ESCAPE '\\'") == [(0,)]


def test_it_reads_gb18030_with_crlf(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    write_table(folder, "customers", base()["customers"], encoding="gb18030", newline="\r\n")
    report = ingest_folder(home, folder, progress=False)
    assert report["tables"]["customers"]["loaded"] == 2
    assert any("gb18030" in n for n in report["tables"]["customers"]["notices"])
    assert query(home, "SELECT name FROM customers ORDER BY customer_id") == [("王芳",), ("陈伟",)]
    assert query(home, "SELECT phone FROM customers WHERE customer_id = '000456'") == [("13900002222",)]


def test_it_reads_utf8_with_a_bom(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    write_table(folder, "branches", base()["branches"], encoding="utf-8-sig")
    ingest_folder(home, folder, progress=False)
    # the BOM must not end up in the first column's name or value
    assert query(home, "SELECT branch_id, name FROM branches ORDER BY 1") == [("0001", "总行"), ("0002", "浦东支行")]


def test_an_explicit_encoding_that_does_not_fit_is_a_usage_error(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    write_table(folder, "customers", base()["customers"], encoding="gb18030")
    with pytest.raises(UsageError, match="customers.csv"):
        ingest_folder(home, folder, encoding="utf-8", progress=False)
    assert counts(home)["branches"] == 0  # nothing half-loaded


def test_an_undecodable_file_is_a_usage_error_naming_it(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    (folder / "staff.csv").write_bytes(b"staff_id,name\n\xff\xfe\x80\x80,\xff\n")
    with pytest.raises(UsageError, match=r"staff\.csv.*(UTF-8|GB18030)"):
        ingest_folder(home, folder, progress=False)


def test_it_reads_parquet_typed_and_text_columns(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    (folder / "transactions.csv").unlink()
    pq.write_table(pa.table({
        "txn_id": ["T0001", "T0002", "T0003"],
        "account_id": ["6222000001", "6222000002", "6222000001"],
        "customer_id": ["000123", "000456", "000123"],
        "booked_at": pa.array([dt.datetime(2026, 1, 4, 16, 30), dt.datetime(2026, 1, 5, 9, 0),
                               dt.datetime(2026, 1, 5, 9, 0)], pa.timestamp("us", tz="UTC")),
        "amount": pa.array([Decimal("520000.00"), Decimal("-1200.50"), Decimal("1.005")], pa.decimal128(18, 3)),
        "kind": ["transfer", "card", "fee"],
    }), folder / "transactions.parquet")
    pq.write_table(pa.table({"as_of": pa.array([dt.date(2026, 1, 2), dt.date(2026, 1, 5)]),
                             "symbol": ["BRENT", "BRENT"], "close": [78.5, 79.25]}), folder / "market.parquet")
    (folder / "market.csv").unlink()
    report = ingest_folder(home, folder, progress=False)
    t = report["tables"]["transactions"]
    assert (t["read"], t["loaded"], t["quarantined"]) == (3, 2, 1)
    [bad] = read_quarantine(t["quarantine_file"])
    assert (bad["line"], bad["column"], bad["code"], bad["file"]) == ("3", "amount", "money_scale", "transactions.parquet")
    assert query(home, "SELECT txn_id, booked_at, booked_at_day, amount FROM transactions ORDER BY 1") == [
        ("T0001", dt.datetime(2026, 1, 5, 0, 30), dt.date(2026, 1, 5), Decimal("520000.00")),
        ("T0002", dt.datetime(2026, 1, 5, 17, 0), dt.date(2026, 1, 5), Decimal("-1200.50")),
    ]
    assert query(home, "SELECT close FROM market ORDER BY as_of") == [(Decimal("78.5"),), (Decimal("79.25"),)]


def test_loading_the_same_folder_twice_changes_nothing(home, tmp_path):
    tables = base()
    tables["customers"].append(dict(tables["customers"][0], customer_id="000777", gender="?"))
    folder = write_extract(tmp_path / "in", tables)
    first = ingest_folder(home, folder, progress=False)
    before = snapshot(home)
    second = ingest_folder(home, folder, progress=False)
    assert snapshot(home) == before
    assert second["totals"] == first["totals"]
    assert second["tables"]["transactions"]["replaced"] == 2
    assert second["load_id"] != first["load_id"]


def test_a_later_extract_adds_and_updates_rows(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "day1"), progress=False)
    day2 = {
        "transactions": [
            dict(base()["transactions"][1], amount="-1300.00"),  # corrected by txn_id
            {"txn_id": "T0003", "account_id": "6222000001", "customer_id": "000123",
             "booked_at": "2026-01-06T10:00:00+08:00", "amount": "30000", "kind": "payroll"},
        ],
        "balances": [
            dict(base()["balances"][0], aum="760000.00"),  # same (customer_id, as_of): replaced
            dict(base()["balances"][0], as_of="2026-01-06", aum="770000.00"),
        ],
        "holdings": [dict(base()["holdings"][0], amount="60000.00")],
    }
    report = ingest_folder(home, write_extract(tmp_path / "day2", day2), progress=False)
    assert report["tables"]["transactions"]["replaced"] == 1
    assert query(home, "SELECT txn_id, amount FROM transactions ORDER BY 1") == [
        ("T0001", Decimal("520000.00")), ("T0002", Decimal("-1300.00")), ("T0003", Decimal("30000.00"))]
    assert query(home, "SELECT as_of, aum FROM balances WHERE customer_id = '000123' ORDER BY 1") == [
        (dt.date(2026, 1, 5), Decimal("760000.00")), (dt.date(2026, 1, 6), Decimal("770000.00"))]
    assert query(home, "SELECT amount FROM holdings WHERE holding_id = 'H001'") == [(Decimal("60000.00"),)]
    assert counts(home)["customers"] == 2


def test_a_folder_with_only_contacts_loads_into_a_loaded_warehouse(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "day1"), progress=False)
    contacts = [{"contact_id": "K0100", "customer_id": "000456", "staff_id": "S001", "at": "2026-01-06T10:00:00",
                 "channel": "sms", "outcome": "reached"},
                {"contact_id": "K0101", "customer_id": "999999", "staff_id": "S001", "at": "2026-01-06T10:05:00",
                 "channel": "phone", "outcome": "reached"}]
    report = ingest_folder(home, write_extract(tmp_path / "outbox", {"contacts": contacts}), progress=False)
    assert list(report["tables"]) == ["contacts"]
    assert report["tables"]["contacts"]["loaded"] == 1
    [bad] = read_quarantine(report["tables"]["contacts"]["quarantine_file"])
    assert (bad["column"], bad["code"], bad["value"]) == ("customer_id", "missing_reference", "999999")
    assert counts(home)["contacts"] == 3


def test_a_missing_required_file_on_the_first_load_is_a_usage_error(home, tmp_path):
    tables = base()
    del tables["staff"]
    with pytest.raises(UsageError, match=r"staff\.csv"):
        ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)
    with pytest.raises(UsageError, match=r"branches\.csv"):
        ingest_folder(home, write_extract(tmp_path / "only", {"contacts": base()["contacts"]}), progress=False)
    assert sum(counts(home).values()) == 0


def test_a_missing_required_column_is_a_usage_error_naming_the_file(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    rows = [{k: v for k, v in r.items() if k != "amount"} for r in base()["transactions"]]
    write_table(folder, "transactions", rows)
    with pytest.raises(UsageError, match=r"transactions\.csv.*amount"):
        ingest_folder(home, folder, progress=False)
    assert sum(counts(home).values()) == 0


def test_unknown_columns_and_files_are_notices(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    write_table(folder, "products", [dict(r, 渠道备注="网银") for r in base()["products"]])
    (folder / "readme.txt").write_text("说明", encoding="utf-8")
    (folder / "loans.csv").write_text("loan_id\nL1\n", encoding="utf-8")
    report = ingest_folder(home, folder, progress=False)
    assert report["unknown_files"] == ["loans.csv", "readme.txt"]
    assert any("渠道备注" in n for n in report["tables"]["products"]["notices"])
    assert report["tables"]["products"]["loaded"] == 2
    text = format_summary(report)
    assert "loans.csv" in text and "渠道备注" in text


def test_a_bad_row_in_every_table_is_quarantined_and_nothing_else_is_lost(home, tmp_path):
    tables = base()
    for name, (row, _col, _code) in BAD_ROWS.items():
        tables[name].append(row)
    report = ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)
    for name, (row, column, code) in BAD_ROWS.items():
        t = report["tables"][name]
        assert (t["read"], t["loaded"], t["quarantined"]) == (3, 2, 1), name
        [q] = read_quarantine(t["quarantine_file"])
        assert (q["line"], q["column"], q["code"]) == ("4", column, code), name
    assert report["totals"] == {"read": 51, "loaded": 34, "quarantined": 17}
    assert counts(home) == {name: 2 for name in TABLES}


def test_a_failure_mid_load_leaves_the_warehouse_as_it_was(home, tmp_path, monkeypatch):
    ingest_folder(home, write_extract(tmp_path / "day1"), progress=False)
    before = snapshot(home)
    tables = base()
    tables["branches"][0]["name"] = "总行（改名）"
    tables["transactions"].append(dict(tables["transactions"][0], txn_id="T0009", amount="1.001"))
    real_upsert = ingest_module.upsert

    def failing_upsert(con, table, staging):
        if table.name == "holdings":
            raise OSError("disk full")
        return real_upsert(con, table, staging)

    monkeypatch.setattr(ingest_module, "upsert", failing_upsert)
    with pytest.raises(OSError):
        ingest_folder(home, write_extract(tmp_path / "day2", tables), progress=False)
    assert snapshot(home) == before
    assert query(home, "SELECT count(*) FROM load_log") == [(1,)]
    assert query(home, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '\\_\\_%' ESCAPE '\\'") == [(0,)]
    assert len(list(home.quarantine_dir.iterdir())) == 0  # the failed load's quarantine is removed


def test_each_load_is_recorded_in_the_load_log(home, tmp_path):
    tables = base()
    tables["nav"].append({"product_id": "P002", "as_of": "2026-01-06", "nav": "x"})
    report = ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)
    [(load_id, folder, started, finished, read, loaded, quarantined, per_table)] = query(
        home, 'SELECT load_id, folder, started_at, finished_at, "read", loaded, quarantined, tables FROM load_log')
    assert (load_id, folder, read, loaded, quarantined) == (report["load_id"], report["folder"], 35, 34, 1)
    assert started <= finished
    assert json.loads(per_table)["nav"]["quarantined"] == 1


def test_line_numbers_follow_the_text_editor(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    (folder / "news.csv").write_text(
        "published_at,source,title,summary\n"
        '2026-01-05T07:00:00+08:00,新华社,标题一,"第一行\n第二行"\n'
        "\n"
        "2026-01-05T07:10:00+08:00,新华社\n"
        "2026-01-05T07:20:00+08:00,,标题三,\n"
        '2026-01-05T07:30:00+08:00,财联社,"多行\r\n标题",\n'
        "昨天,财联社,标题五,\n", encoding="utf-8")
    t = ingest_folder(home, folder, progress=False)["tables"]["news"]
    assert (t["read"], t["loaded"], t["quarantined"]) == (5, 2, 3)
    got = [(r["line"], r["code"]) for r in read_quarantine(t["quarantine_file"])]
    assert got == [("5", "column_count"), ("6", "required"), ("9", "timestamp")]


def test_the_cli_ingests_and_writes_the_report(tmp_path):
    folder = write_extract(tmp_path / "in")
    with open(folder / "customers.csv", "a", encoding="utf-8") as f:
        f.write("000999,错误客户,F,1990-01-01,1,0002,2022-01-01,maybe,,,,,\n")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "ingest", str(folder), "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "隔离" in result.output and "quarantined" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    c = report["tables"]["customers"]
    assert (c["read"], c["loaded"], c["quarantined"]) == (3, 2, 1)
    assert read_quarantine(c["quarantine_file"])[0]["code"] == "bool"


def test_the_cli_exits_2_naming_the_file_for_a_missing_column(tmp_path):
    folder = write_extract(tmp_path / "in")
    write_table(folder, "staff", [{k: v for k, v in r.items() if k != "role"} for r in base()["staff"]])
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "ingest", str(folder)])
    assert result.exit_code == 2
    assert "staff.csv" in result.output and "role" in result.output
    assert "Traceback" not in result.output


def test_two_files_for_one_table_are_a_usage_error(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    pq.write_table(pa.table({"branch_id": ["0001"], "name": ["总行"]}), folder / "branches.parquet")
    with pytest.raises(UsageError, match=r"branches\.csv.*branches\.parquet"):
        ingest_folder(home, folder, progress=False)


def test_a_large_load_shows_a_progress_bar_and_loads_the_same(home, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ingest_module, "PROGRESS_MIN_BYTES", 0)
    report = ingest_folder(home, write_extract(tmp_path / "in"), progress=True)
    assert report["totals"]["loaded"] == 34


def test_a_corrected_quarantine_file_can_be_ingested_again(home, tmp_path):
    tables = base()
    tables["customers"].append(dict(tables["customers"][0], customer_id="000789", birth_date="1990-02-30"))
    report = ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)
    qfile = report["tables"]["customers"]["quarantine_file"]
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    text = open(qfile, encoding="utf-8-sig").read().replace(",1990-02-30,", ",1990-02-28,")
    (fixed / "customers.csv").write_text(text, encoding="utf-8-sig")
    again = ingest_folder(home, fixed, progress=False)["tables"]["customers"]
    assert (again["loaded"], again["quarantined"]) == (1, 0)
    assert query(home, "SELECT birth_date FROM customers WHERE customer_id = '000789'") == [(dt.date(1990, 2, 28),)]


def test_batches_are_released_as_the_load_streams(home, tmp_path, monkeypatch):
    """Memory must not grow with the file: each Arrow batch is freed before the next (a view made
    with con.register() inside the load's transaction would keep them all until COMMIT)."""
    import yuanwei.contract.readers as readers

    folder = write_extract(tmp_path / "in")
    (folder / "transactions.csv").unlink()
    n = 200_000
    pq.write_table(pa.table({
        "txn_id": pa.array([f"T{i:07d}" for i in range(n)]),
        "account_id": pa.array(["6222000001"] * n), "customer_id": pa.array(["000123"] * n),
        "booked_at": pa.array([dt.datetime(2026, 1, 5, 9, 0)] * n),
        "amount": pa.array([Decimal("1.00")] * n, pa.decimal128(18, 2)), "kind": pa.array(["fee"] * n),
        "note": pa.array(["x" * 40] * n),
    }), folder / "transactions.parquet", row_group_size=10_000)
    monkeypatch.setattr(readers, "PARQUET_BATCH", 10_000)
    held = []
    real_batches = readers.Source.batches

    def watching(self):
        for item in real_batches(self):
            held.append(pa.total_allocated_bytes())
            yield item

    monkeypatch.setattr(readers.Source, "batches", watching)
    report = ingest_folder(home, folder, progress=False)
    assert report["tables"]["transactions"]["loaded"] == n
    batch_bytes = 10_000 * 80
    assert max(held[-5:]) - min(held[:5]) < 5 * batch_bytes, held[:5] + held[-5:]


def test_parquet_money_as_double_is_checked_by_its_text_and_naive_timestamps_are_shanghai(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    (folder / "transactions.csv").unlink()
    pq.write_table(pa.table({
        "txn_id": ["T0001", "T0002"], "account_id": ["6222000001", "6222000002"],
        "customer_id": ["000123", "000456"],
        "booked_at": pa.array([dt.datetime(2026, 1, 5, 23, 59), dt.datetime(2026, 1, 5, 0, 1)], pa.timestamp("ms")),
        "amount": [0.1, 12.345], "kind": ["fee", "fee"],
    }), folder / "transactions.parquet")
    t = ingest_folder(home, folder, progress=False)["tables"]["transactions"]
    assert (t["loaded"], t["quarantined"]) == (1, 1)
    assert read_quarantine(t["quarantine_file"])[0]["code"] == "money_scale"
    assert query(home, "SELECT amount, booked_at, booked_at_day FROM transactions") == [
        (Decimal("0.10"), dt.datetime(2026, 1, 5, 23, 59), dt.date(2026, 1, 5))]


def test_the_cli_takes_an_encoding_and_refuses_an_unknown_one(tmp_path):
    folder = write_extract(tmp_path / "in", encoding="gb18030", newline="\r\n")
    home = str(tmp_path / "home")
    result = CliRunner().invoke(main, ["--home", home, "ingest", str(folder), "--encoding", "GB18030"])
    assert result.exit_code == 0, result.output
    assert query_home(tmp_path / "home", "SELECT name FROM branches ORDER BY 1") == [("总行",), ("浦东支行",)]
    result = CliRunner().invoke(main, ["--home", home, "ingest", str(folder), "--encoding", "latin-1"])
    assert result.exit_code == 2
    assert "latin-1" in result.output


def query_home(root, sql):
    from yuanwei.paths import Home

    return query(Home(root), sql)


def test_rows_rejected_after_the_batches_keep_their_line_and_original_cells(home, tmp_path, monkeypatch):
    import yuanwei.contract.readers as readers

    monkeypatch.setattr(readers, "CSV_BLOCK", 512)  # dozens of batches
    tables = base()
    tpl = tables["transactions"][0]
    tables["transactions"] = [dict(tpl, txn_id=f"T{i:05d}", amount=f"{i}.50", booked_at="2026-01-05T09:30+08:00")
                              for i in range(300)]
    tables["transactions"][150]["account_id"] = "6222999999"        # line 152: unknown account
    tables["transactions"][299]["txn_id"] = "T00007"                # line 301: duplicate of line 9
    t = ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)["tables"]["transactions"]
    assert (t["read"], t["loaded"], t["quarantined"]) == (300, 298, 2)
    rows = read_quarantine(t["quarantine_file"])
    assert [(r["line"], r["code"], r["value"]) for r in rows] == [
        ("152", "missing_reference", "6222999999"), ("301", "duplicate_key", "T00007")]
    # the original text, not the parsed value: "299.50" and the offset-less-seconds timestamp
    assert (rows[1]["amount"], rows[1]["booked_at"]) == ("299.50", "2026-01-05T09:30+08:00")
    assert "第 9 行" in rows[1]["reason"]
