"""Content stamps (``warehouse.stamps``): kept by ingest, exact after every kind of load, unchanged
by a re-sent extract, atomic with the load, back-filled for an older warehouse."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from contract.bank import base, write_extract
from yuanwei.contract.schema import TABLES
from yuanwei.warehouse import ingest as ingest_module
from yuanwei.warehouse import stamps
from yuanwei.warehouse.ingest import ingest_folder


def kept(home) -> dict:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return stamps.read_stamps(con)
    finally:
        con.close()


def recomputed(home) -> dict:
    """The stamps worked out from the tables' content, as ingest should have kept them."""
    con = duckdb.connect(str(home.warehouse))
    try:
        con.execute("DROP TABLE IF EXISTS day_stamps")
        stamps.ensure_stamps(con)
        return stamps.read_stamps(con)
    finally:
        con.close()


def test_a_first_load_stamps_every_table_by_day_or_whole(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "in"), progress=False)
    got = kept(home)
    assert set(got) == set(TABLES)
    assert set(got["balances"]) == {dt.date(2026, 1, 5)} and got["balances"][dt.date(2026, 1, 5)][0] == 2
    assert set(got["transactions"]) == {dt.date(2026, 1, 5)}
    assert set(got["branches"]) == {None} and got["branches"][None][0] == 2
    assert set(got["contacts"]) == {dt.date(2026, 1, 4)}
    copy = home.root.parent / "copy"
    copy.mkdir()
    (copy / "warehouse.duckdb").write_bytes(home.warehouse.read_bytes())
    assert recomputed(type(home)(copy)) == got


def test_re_sending_the_same_extract_leaves_the_stamps_as_they_were(home, tmp_path):
    folder = write_extract(tmp_path / "in")
    ingest_folder(home, folder, progress=False)
    before = kept(home)
    report = ingest_folder(home, folder, progress=False)
    assert report["tables"]["transactions"]["replaced"] == 2
    assert kept(home) == before


def test_a_later_extract_changes_exactly_the_days_it_touches(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "day1"), progress=False)
    before = kept(home)
    day2 = {
        "transactions": [
            # corrected by txn_id, and moved to another day: both days change
            dict(base()["transactions"][1], amount="-1300.00", booked_at="2026-01-04 14:00:00"),
            {"txn_id": "T0003", "account_id": "6222000001", "customer_id": "000123",
             "booked_at": "2026-01-06T10:00:00+08:00", "amount": "30000", "kind": "payroll"},
        ],
        "balances": [dict(base()["balances"][0], as_of="2026-01-06", aum="770000.00")],
        "branches": [dict(base()["branches"][1], name="浦东新区支行")],
    }
    ingest_folder(home, write_extract(tmp_path / "day2", day2), progress=False)
    after = kept(home)
    t0, t1 = before["transactions"], after["transactions"]
    assert t1[dt.date(2026, 1, 5)][0] == 1 and t1[dt.date(2026, 1, 5)] != t0[dt.date(2026, 1, 5)]
    assert t1[dt.date(2026, 1, 4)][0] == 1 and t1[dt.date(2026, 1, 6)][0] == 1
    # the untouched day of balances keeps its stamp; the new day is added
    assert after["balances"][dt.date(2026, 1, 5)] == before["balances"][dt.date(2026, 1, 5)]
    assert after["balances"][dt.date(2026, 1, 6)][0] == 1
    assert after["branches"][None][0] == 2 and after["branches"] != before["branches"]
    assert after["customers"] == before["customers"]
    copy = home.root.parent / "copy"
    copy.mkdir()
    (copy / "warehouse.duckdb").write_bytes(home.warehouse.read_bytes())
    assert recomputed(type(home)(copy)) == after


def test_a_failed_load_leaves_the_stamps_untouched(home, tmp_path, monkeypatch):
    ingest_folder(home, write_extract(tmp_path / "day1"), progress=False)
    before = kept(home)
    tables = base()
    tables["transactions"].append(dict(tables["transactions"][0], txn_id="T0009", booked_at="2026-01-07 09:00:00"))
    real_upsert = ingest_module.upsert

    def failing_upsert(con, table, staging):
        if table.name == "holdings":
            raise OSError("disk full")
        return real_upsert(con, table, staging)

    monkeypatch.setattr(ingest_module, "upsert", failing_upsert)
    with pytest.raises(OSError):
        ingest_folder(home, write_extract(tmp_path / "day2", tables), progress=False)
    assert kept(home) == before


def test_a_warehouse_without_stamps_gets_them_at_its_next_load(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "day1"), progress=False)
    con = duckdb.connect(str(home.warehouse))
    con.execute("DROP TABLE day_stamps")
    con.close()
    assert kept(home) == {}
    contacts = [{"contact_id": "K0100", "customer_id": "000456", "staff_id": "S001", "at": "2026-01-06T10:00:00",
                 "channel": "sms", "outcome": "reached"}]
    ingest_folder(home, write_extract(tmp_path / "day2", {"contacts": contacts}), progress=False)
    got = kept(home)
    assert got["contacts"][dt.date(2026, 1, 6)][0] == 1 and got["branches"][None][0] == 2


def test_the_count_check_catches_rows_written_around_ingest(home, tmp_path):
    ingest_folder(home, write_extract(tmp_path / "in"), progress=False)
    con = duckdb.connect(str(home.warehouse))
    got = stamps.read_stamps(con)
    assert stamps.counts_agree(con, "balances", got["balances"])
    assert stamps.counts_agree(con, "branches", got["branches"])
    con.execute("DELETE FROM balances WHERE customer_id = '000456'")
    con.execute("INSERT INTO branches VALUES ('0003', '新支行', NULL, NULL)")
    assert not stamps.counts_agree(con, "balances", got["balances"])
    assert not stamps.counts_agree(con, "branches", got["branches"])
    con.close()


def test_visible_stamps_are_the_days_up_to_the_last_one():
    s = {dt.date(2026, 1, 4): (2, 10), dt.date(2026, 1, 5): (1, 7), dt.date(2026, 1, 6): (3, 1)}
    assert stamps.visible(s, dt.date(2026, 1, 5)) == (3, 17)
    assert stamps.visible(s, dt.date(2026, 1, 3)) == (0, 0)
    assert stamps.visible({None: (4, 9)}, dt.date(2026, 1, 1)) == (4, 9)
