"""Each class of bad cell: the one bad row is quarantined with its line, column and reason,
the good rows load, and the report reconciles (read = loaded + quarantined)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contract.bank import base, query, read_quarantine, write_extract
from yuanwei.warehouse.ingest import ingest_folder

CASES = [
    # table, column, bad value, expected code
    ("customers", "name", "", "required"),
    ("customers", "gender", "男", "enum"),
    ("customers", "birth_date", "2026-02-30", "date"),
    ("customers", "opened_on", "2021/01/20", "date"),
    ("customers", "marketing_consent", "maybe", "bool"),
    ("transactions", "booked_at", "2026-01-05T25:00:00", "timestamp"),
    ("transactions", "amount", "12.345", "money_scale"),
    ("transactions", "amount", "1,200.00", "money"),
    ("transactions", "kind", "salary", "enum"),
    ("staff", "daily_capacity", "3.5", "int"),
    ("products", "expected_return", "三成", "float"),
    ("nav", "nav", "1.2.3", "decimal"),
    ("accounts", "customer_id", "000999", "missing_reference"),
    ("transactions", "account_id", "6222009999", "missing_reference"),
    ("holdings", "product_id", "P999", "missing_reference"),
]


@pytest.mark.parametrize("table,column,value,code", CASES, ids=[f"{c[0]}.{c[1]}-{c[3]}" for c in CASES])
def test_it_quarantines_one_bad_cell_and_loads_the_good_rows(home, tmp_path, table, column, value, code):
    tables = base()
    bad = dict(tables[table][-1])
    key = {"customers": "customer_id", "transactions": "txn_id", "staff": "staff_id", "products": "product_id",
           "accounts": "account_id", "holdings": "holding_id"}.get(table)
    if key:
        bad[key] = bad[key] + "X"
    elif table == "nav":
        bad["as_of"] = "2026-01-06"
    bad[column] = value
    tables[table].append(bad)
    report = ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)

    t = report["tables"][table]
    assert (t["read"], t["loaded"], t["quarantined"]) == (3, 2, 1)
    assert t["read"] == t["loaded"] + t["quarantined"]
    assert report["totals"]["quarantined"] == 1
    assert query(home, f'SELECT count(*) FROM "{table}"')[0][0] == 2
    [row] = read_quarantine(t["quarantine_file"])
    assert row["file"] == f"{table}.csv"
    assert row["line"] == "4"  # header is line 1, the bad row is the third data row
    assert (row["column"], row["value"], row["code"]) == (column, value, code)
    assert row["reason"]  # zh-CN text
    assert row[column] == value  # the original row travels with it


def test_it_rejects_a_duplicate_key_keeping_the_first_row(home, tmp_path):
    tables = base()
    tables["customers"].insert(1, dict(tables["customers"][0], name="王芳（重复）"))
    report = ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)
    t = report["tables"]["customers"]
    assert (t["read"], t["loaded"], t["quarantined"]) == (3, 2, 1)
    [row] = read_quarantine(t["quarantine_file"])
    assert (row["line"], row["column"], row["value"], row["code"]) == ("3", "customer_id", "000123", "duplicate_key")
    assert "第 2 行" in row["reason"]
    assert row["name"] == "王芳（重复）"
    assert query(home, "SELECT name FROM customers WHERE customer_id = '000123'") == [("王芳",)]


def test_a_row_with_the_wrong_number_of_fields_is_quarantined(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    path = folder / "relatives.csv"
    path.write_text(path.read_text(encoding="utf-8") + "000123,parent,王父\n", encoding="utf-8")
    t = ingest_folder(home, folder, progress=False)["tables"]["relatives"]
    assert (t["read"], t["loaded"], t["quarantined"]) == (3, 2, 1)
    [row] = read_quarantine(t["quarantine_file"])
    assert (row["line"], row["code"], row["value"]) == ("4", "column_count", "000123,parent,王父")


def test_a_self_reference_to_a_rejected_branch_is_rejected_too(home, tmp_path):
    tables = base()
    tables["branches"] += [{"branch_id": "0003", "name": "甲", "parent_id": "0999"},
                           {"branch_id": "0004", "name": "乙", "parent_id": "0003"}]
    t = ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)["tables"]["branches"]
    assert (t["loaded"], t["quarantined"]) == (2, 2)
    assert {r["branch_id"] for r in read_quarantine(t["quarantine_file"])} == {"0003", "0004"}


@pytest.mark.parametrize("spelling,expected", [
    ("true", True), ("FALSE", False), ("1", True), ("0", False), ("Y", True), ("n", False), ("是", True), ("否", False),
    (" True ", True),
])
def test_it_accepts_every_boolean_spelling(home, tmp_path, spelling, expected):
    tables = base()
    tables["customers"][0]["marketing_consent"] = spelling
    ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)
    assert query(home, "SELECT marketing_consent FROM customers WHERE customer_id = '000123'") == [(expected,)]


def test_it_stores_money_as_exact_decimals_and_keeps_leading_zeros(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "in"), progress=False)
    rows = query(home, "SELECT txn_id, customer_id, amount, typeof(amount) FROM transactions ORDER BY txn_id")
    assert rows == [("T0001", "000123", Decimal("520000.00"), "DECIMAL(18,2)"),
                    ("T0002", "000456", Decimal("-1200.50"), "DECIMAL(18,2)")]
    assert query(home, "SELECT sum(aum) FROM balances") == [(Decimal("753000.10"),)]


def test_empty_optional_cells_are_null(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "in"), progress=False)
    assert query(home, "SELECT daily_capacity, team FROM staff WHERE staff_id = 'S002'") == [(None, "远维一组")]
    assert query(home, "SELECT region, risk_level, do_not_call FROM customers WHERE customer_id = '000456'") == \
        [(None, None, None)]


@pytest.mark.parametrize("value,wall_clock", [
    ("2026-01-04T16:30:00Z", dt.datetime(2026, 1, 5, 0, 30)),          # UTC evening is the next Shanghai day
    ("2026-01-05T00:10:00+08:00", dt.datetime(2026, 1, 5, 0, 10)),
    ("2026-01-05T23:50:00+09:00", dt.datetime(2026, 1, 5, 22, 50)),
    ("2026-01-05T10:50:00-12:00", dt.datetime(2026, 1, 6, 6, 50)),
    ("2026-01-05 23:59:59", dt.datetime(2026, 1, 5, 23, 59, 59)),      # no offset: already Shanghai
    ("2026-01-05T00:00", dt.datetime(2026, 1, 5, 0, 0)),
])
def test_timestamps_land_on_the_shanghai_day(home, tmp_path, value, wall_clock):
    tables = base()
    tables["transactions"][0]["booked_at"] = value
    ingest_folder(home, write_extract(tmp_path / "in", tables), progress=False)
    assert query(home, "SELECT booked_at, booked_at_day FROM transactions WHERE txn_id = 'T0001'") == \
        [(wall_clock, wall_clock.date())]
