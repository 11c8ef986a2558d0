"""A tiny bank in the data contract, written as CSV files in a test's tmp_path.

Two good rows per table (IDs with leading zeros, Chinese names), so a test can add one bad row
and check that it alone lands in the quarantine.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb


def base() -> dict[str, list[dict]]:
    """A fresh copy of the good extract: {table: [row, …]} with every cell as text."""
    return {
        "branches": [
            {"branch_id": "0001", "name": "总行", "parent_id": "", "city": "上海"},
            {"branch_id": "0002", "name": "浦东支行", "parent_id": "0001", "city": "上海"},
        ],
        "staff": [
            {"staff_id": "S001", "name": "张敏", "role": "remote_rm", "branch_id": "0002", "team": "远维一组",
             "hired_on": "2020-03-01", "daily_capacity": "30"},
            {"staff_id": "S002", "name": "李强", "role": "team_lead", "branch_id": "0002", "team": "远维一组",
             "hired_on": "2018-07-15", "daily_capacity": ""},
        ],
        "employers": [
            {"employer_id": "E01", "name": "上海某科技有限公司", "industry": "IT", "headcount": "1200",
             "payroll_with_bank": "是"},
            {"employer_id": "E02", "name": "浦东某制造厂", "industry": "制造", "headcount": "", "payroll_with_bank": "N"},
        ],
        "customers": [
            {"customer_id": "000123", "name": "王芳", "gender": "F", "birth_date": "1958-02-28", "phone": "13800001111",
             "branch_id": "0002", "opened_on": "2015-06-01", "marketing_consent": "true", "do_not_call": "否",
             "employer_id": "E01", "region": "mainland", "risk_level": "C3", "risk_assessed_on": "2025-12-01"},
            {"customer_id": "000456", "name": "陈伟", "gender": "M", "birth_date": "1985-10-09", "phone": "13900002222",
             "branch_id": "0002", "opened_on": "2021-01-20", "marketing_consent": "N", "do_not_call": "",
             "employer_id": "", "region": "", "risk_level": "", "risk_assessed_on": ""},
        ],
        "relatives": [
            {"customer_id": "000123", "relation": "child", "name": "王小明", "birth_date": "1988-05-04"},
            {"customer_id": "000456", "relation": "spouse", "name": "刘丽", "birth_date": "1987-11-30"},
        ],
        "assignments": [
            {"customer_id": "000123", "staff_id": "S001", "role": "remote", "since": "2024-01-01"},
            {"customer_id": "000456", "staff_id": "S001", "role": "remote", "since": "2024-01-01"},
        ],
        "accounts": [
            {"account_id": "6222000001", "customer_id": "000123", "kind": "current", "opened_on": "2015-06-01",
             "closed_on": ""},
            {"account_id": "6222000002", "customer_id": "000456", "kind": "current", "opened_on": "2021-01-20",
             "closed_on": ""},
        ],
        "transactions": [
            {"txn_id": "T0001", "account_id": "6222000001", "customer_id": "000123",
             "booked_at": "2026-01-05T09:30:00+08:00", "amount": "520000.00", "kind": "transfer",
             "counterparty": "某证券", "channel": "mobile"},
            {"txn_id": "T0002", "account_id": "6222000002", "customer_id": "000456",
             "booked_at": "2026-01-05 14:00:00", "amount": "-1200.5", "kind": "card",
             "counterparty": "", "channel": ""},
        ],
        "balances": [
            {"customer_id": "000123", "as_of": "2026-01-05", "current": "600000.00", "time_deposit": "100000.00",
             "investments": "50000.00", "aum": "750000.00"},
            {"customer_id": "000456", "as_of": "2026-01-05", "current": "3000.10", "time_deposit": "0",
             "investments": "0", "aum": "3000.10"},
        ],
        "products": [
            {"product_id": "P001", "name": "稳健理财一号", "category": "wealth", "risk_rating": "R2",
             "min_amount": "10000", "sale_start": "2025-12-01", "sale_end": "", "term_days": "180",
             "expected_return": "0.032", "status": "on_sale"},
            {"product_id": "P002", "name": "成长混合基金", "category": "fund", "risk_rating": "R4",
             "min_amount": "1", "sale_start": "2020-01-01", "sale_end": "", "term_days": "",
             "expected_return": "", "status": ""},
        ],
        "holdings": [
            {"holding_id": "H001", "customer_id": "000123", "product_id": "P001", "amount": "50000.00",
             "bought_on": "2025-12-10", "matures_on": "2026-06-08", "units": "", "cost_nav": ""},
            {"holding_id": "H002", "customer_id": "000123", "product_id": "P002", "amount": "8000.00",
             "bought_on": "2025-11-02", "matures_on": "", "units": "6400.123456", "cost_nav": "1.25"},
        ],
        "nav": [
            {"product_id": "P002", "as_of": "2026-01-02", "nav": "1.301"},
            {"product_id": "P002", "as_of": "2026-01-05", "nav": "1.2875"},
        ],
        "services": [
            {"customer_id": "000123", "service": "mobile_banking", "since": "2016-01-01"},
            {"customer_id": "000456", "service": "credit_card", "since": "2021-02-01"},
        ],
        "market": [
            {"as_of": "2026-01-02", "symbol": "SSE_COMPOSITE", "close": "3368.07"},
            {"as_of": "2026-01-05", "symbol": "SSE_COMPOSITE", "close": "3401.22"},
        ],
        "news": [
            {"published_at": "2026-01-05T07:00:00+08:00", "source": "新华社", "title": "央行开展逆回购操作",
             "summary": ""},
            {"published_at": "2026-01-05T08:15:00+08:00", "source": "财联社", "title": "金价小幅上涨",
             "summary": "伦敦金升至每盎司2650美元"},
        ],
        "channel_plans": [
            {"customer_id": "000123", "channel": "wealth_center", "plan": "年末理财沙龙", "valid_from": "2026-01-01",
             "valid_to": "2026-01-31", "staff_id": ""},
            {"customer_id": "000456", "channel": "remote", "plan": "信用卡激活", "valid_from": "2026-01-01",
             "valid_to": "2026-02-28", "staff_id": "S001"},
        ],
        "contacts": [
            {"contact_id": "K0001", "customer_id": "000123", "staff_id": "S001", "at": "2026-01-04T10:45:00+08:00",
             "channel": "phone", "outcome": "interested", "product_id": "P001", "note": "关注到期再投资"},
            {"contact_id": "K0002", "customer_id": "000456", "staff_id": "S001", "at": "2026-01-04T15:05:00+08:00",
             "channel": "wechat", "outcome": "no_answer", "product_id": "", "note": ""},
        ],
    }


# a bad row per table, each failing one check (the test of "every table" uses these)
BAD_ROWS: dict[str, tuple[dict, str, str]] = {
    "branches": ({"branch_id": "0003", "name": "无上级支行", "parent_id": "0999", "city": ""}, "parent_id", "missing_reference"),
    "staff": ({"staff_id": "S003", "name": "赵六", "role": "manager", "branch_id": "0002", "hired_on": "2022-01-01"}, "role", "enum"),
    "employers": ({"employer_id": "E03", "name": "某单位", "headcount": "很多"}, "headcount", "int"),
    "customers": ({"customer_id": "000789", "name": "孙丽", "gender": "F", "birth_date": "1990-02-30", "phone": "1",
                   "branch_id": "0002", "opened_on": "2022-01-01", "marketing_consent": "1"}, "birth_date", "date"),
    "relatives": ({"customer_id": "000123", "relation": "cousin", "name": "王表", "birth_date": "1990-01-01"}, "relation", "enum"),
    "assignments": ({"customer_id": "000999", "staff_id": "S001", "role": "remote", "since": "2024-01-01"}, "customer_id", "missing_reference"),
    "accounts": ({"account_id": "6222000003", "customer_id": "000123", "kind": "current", "opened_on": ""}, "opened_on", "required"),
    "transactions": ({"txn_id": "T0003", "account_id": "6222000001", "customer_id": "000123",
                      "booked_at": "2026-01-05T10:00:00+08:00", "amount": "99.999", "kind": "fee"}, "amount", "money_scale"),
    "balances": ({"customer_id": "000456", "as_of": "2026-01-06", "current": "1,000.00", "time_deposit": "0",
                  "investments": "0", "aum": "1000"}, "current", "money"),
    "products": ({"product_id": "P003", "name": "某产品", "category": "wealth", "risk_rating": "R2", "min_amount": "1",
                  "sale_start": "2026-01-01", "expected_return": "高"}, "expected_return", "float"),
    "holdings": ({"holding_id": "H003", "customer_id": "000123", "product_id": "P404", "amount": "1.00",
                  "bought_on": "2026-01-01"}, "product_id", "missing_reference"),
    "nav": ({"product_id": "P002", "as_of": "2026-01-06", "nav": "abc"}, "nav", "decimal"),
    "services": ({"customer_id": "000123", "service": "mobile_banking", "since": "2017-01-01"}, "customer_id,service", "duplicate_key"),
    "market": ({"as_of": "2026/01/06", "symbol": "GOLD_AU9999", "close": "612.5"}, "as_of", "date"),
    "news": ({"published_at": "昨天上午", "source": "新华社", "title": "某新闻"}, "published_at", "timestamp"),
    "channel_plans": ({"customer_id": "000456", "channel": "branch", "plan": "", "valid_from": "2026-01-01",
                       "valid_to": "2026-01-31"}, "plan", "required"),
    "contacts": ({"contact_id": "K0003", "customer_id": "000123", "staff_id": "S001", "at": "2026-01-05T10:00:00",
                  "channel": "phone", "outcome": "happy"}, "outcome", "enum"),
}


def write_table(folder: Path, table: str, rows: list[dict], *, encoding: str = "utf-8", newline: str = "\n",
                columns: list[str] | None = None) -> Path:
    """Write ``<table>.csv``; ``encoding`` 'utf-8-sig' writes a BOM; missing cells are empty."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    path = folder / f"{table}.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_extract(folder: Path, tables: dict[str, list[dict]] | None = None, **kw) -> Path:
    for name, rows in (base() if tables is None else tables).items():
        write_table(folder, name, rows, **kw)
    return folder


def query(home, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def read_quarantine(path) -> list[dict]:
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "quarantine files start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
