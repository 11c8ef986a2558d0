"""Build a run folder (`<home>/runs/<D>/`) of small, realistic Parquet files, following
yuanwei.results (result tables) and yuanwei.contract.schema (reference tables)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from yuanwei.contract.schema import TABLES
from yuanwei.results import REFERENCE_TABLES, RESULT_TABLES, run_dir_name

ARROW = {"id": pa.string(), "str": pa.string(), "enum": pa.string(), "date": pa.date32(),
         "timestamp": pa.timestamp("us"), "money": pa.decimal128(18, 2), "decimal": pa.decimal128(18, 6),
         "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


def schema_of(table: str) -> pa.Schema:
    if table in RESULT_TABLES:
        return RESULT_TABLES[table]
    fields = []
    for c in TABLES[table].columns:
        fields.append((c.name, ARROW[c.kind]))
        if c.kind == "timestamp":  # the warehouse keeps the Shanghai day beside every timestamp
            fields.append((f"{c.name}_day", pa.date32()))
    return pa.schema(fields)


def write_table(folder: Path, table: str, rows: list[dict]) -> Path:
    schema = schema_of(table)
    data = {f.name: [r.get(f.name) for r in rows] for f in schema}
    for f in schema:
        if f.name.endswith("_day") and f.name[:-4] in data and all(v is None for v in data[f.name]):
            data[f.name] = [None if v is None else v.date() for v in data[f.name[:-4]]]
    path = folder / f"{table}.parquet"
    pq.write_table(pa.table(data, schema=schema), path)
    return path


def write_run(runs_dir: Path, day: dt.date, tables: dict[str, list[dict]]) -> Path:
    folder = Path(runs_dir) / run_dir_name(day)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    for table, rows in tables.items():
        write_table(folder, table, rows)
    return folder


def M(s: str) -> Decimal:
    return Decimal(s)


def sample_run(day: dt.date, with_tasks: bool = True) -> dict[str, list[dict]]:
    """Three customers of branch B01, two RMs, a fund and a time deposit, 30 days of balances."""
    y = day - dt.timedelta(days=1)
    t = {
        "branches": [{"branch_id": "B01", "name": "城东支行", "city": "杭州"},
                     {"branch_id": "B02", "name": "城西支行", "parent_id": None, "city": "杭州"}],
        "staff": [{"staff_id": "R001", "name": "王丽", "role": "remote_rm", "branch_id": "B01", "team": "一组",
                   "hired_on": dt.date(2020, 3, 1), "daily_capacity": 30},
                  {"staff_id": "R002", "name": "李强", "role": "remote_rm", "branch_id": "B01", "team": "二组",
                   "hired_on": dt.date(2021, 5, 10)}],
        "employers": [{"employer_id": "E01", "name": "杭州某科技有限公司", "industry": "信息技术", "headcount": 320,
                       "payroll_with_bank": True}],
        "products": [{"product_id": "F001", "name": "稳健增长混合基金", "category": "fund", "risk_rating": "R3",
                      "min_amount": M("1000.00"), "sale_start": dt.date(2024, 1, 1), "status": "on_sale",
                      "expected_return": 0.045},
                     {"product_id": "TD12", "name": "一年期定期存款", "category": "time_deposit", "risk_rating": "R1",
                      "min_amount": M("50.00"), "sale_start": dt.date(2020, 1, 1), "term_days": 365}],
        "profiles": [],
        "relatives": [{"customer_id": "C0001", "relation": "spouse", "name": "刘洋", "birth_date": dt.date(1980, 2, 29)},
                      {"customer_id": "C0001", "relation": "child", "name": "刘小雨", "birth_date": dt.date(2012, 9, 1)}],
        "services": [{"customer_id": "C0001", "service": "mobile_banking", "since": dt.date(2019, 4, 2)},
                     {"customer_id": "C0002", "service": "payroll", "since": dt.date(2022, 7, 1)}],
        "assignments": [{"customer_id": "C0001", "staff_id": "R001", "role": "remote", "since": dt.date(2024, 1, 1)},
                        {"customer_id": "C0002", "staff_id": "R001", "role": "remote", "since": dt.date(2024, 1, 1)},
                        {"customer_id": "C0003", "staff_id": "R002", "role": "remote", "since": dt.date(2024, 6, 1)}],
        "channel_plans": [{"customer_id": "C0003", "channel": "branch", "plan": "网点理财沙龙邀约",
                           "valid_from": y - dt.timedelta(days=3), "valid_to": day + dt.timedelta(days=10),
                           "staff_id": "R002"}],
        "contacts": [{"contact_id": "K1", "customer_id": "C0001", "staff_id": "R001",
                      "at": dt.datetime.combine(y, dt.time(10, 45)), "channel": "phone", "outcome": "reached",
                      "note": "客户关注基金定投"}],
        "market": [{"as_of": y - dt.timedelta(days=1), "symbol": "SSE_COMPOSITE", "close": M("3300.120000")},
                   {"as_of": y, "symbol": "SSE_COMPOSITE", "close": M("3201.500000")}],
        "news": [{"published_at": dt.datetime.combine(y, dt.time(20, 5)), "source": "新华社",
                  "title": "央行开展逆回购操作", "summary": "维护银行体系流动性合理充裕"}],
        "holdings": [{"holding_id": "H1", "customer_id": "C0001", "product_id": "F001", "product_name": "稳健增长混合基金",
                      "category": "fund", "risk_rating": "R3", "amount": M("200000.00"), "bought_on": dt.date(2025, 3, 1),
                      "units": M("180000.000000"), "cost_nav": M("1.111111"), "latest_nav": M("1.050000"),
                      "market_value": M("189000.00"), "gain": M("-11000.00")},
                     {"holding_id": "H2", "customer_id": "C0002", "product_id": "TD12", "product_name": "一年期定期存款",
                      "category": "time_deposit", "risk_rating": "R1", "amount": M("50000.00"),
                      "bought_on": day - dt.timedelta(days=360), "matures_on": day + dt.timedelta(days=5)}],
        "flows": [{"txn_id": "T1", "customer_id": "C0002", "account_id": "A2", "booked_at": dt.datetime.combine(y, dt.time(9, 30)),
                   "amount": M("520000.00"), "kind": "transfer", "counterparty": "某房产公司", "channel": "counter"},
                  {"txn_id": "T2", "customer_id": "C0001", "account_id": "A1", "booked_at": dt.datetime.combine(y, dt.time(23, 59, 59)),
                   "amount": M("-0.01"), "kind": "fee"}],
        "balances": [],
        "signals": [
            {"date": day, "customer_id": "C0002", "rule": "large_inflow", "urgency": 3, "due_date": day + dt.timedelta(days=2),
             "evidence": json.dumps({"credits": "520000.00", "ratio": "38.0"}, sort_keys=True, separators=(",", ":")),
             "explanation": "昨日入账 ¥520,000.00，为近90日日均入账的38倍"},
            # a rule may fire twice for a customer (two maturing holdings)
            {"date": day, "customer_id": "C0002", "rule": "maturity", "urgency": 2, "due_date": day + dt.timedelta(days=5),
             "evidence": '{"holding_id":"H2"}', "explanation": "定期 ¥50,000.00 将于5天后到期"},
            {"date": day, "customer_id": "C0002", "rule": "maturity", "urgency": 2, "due_date": day + dt.timedelta(days=6),
             "evidence": '{"holding_id":"H9"}', "explanation": "理财 ¥10,000.00 将于6天后到期"},
        ],
    }
    for i, (name, gender, aum, tier) in enumerate([("刘建国", "M", "820000.00", "财富"), ("陈美玲", "F", "65000.50", "金卡"),
                                                   ("<b>黄海</b>", "M", "12000.00", "大众")], start=1):
        cid = f"C{i:04d}"
        t["profiles"].append({
            "customer_id": cid, "name": name, "gender": gender, "birth_date": dt.date(1975 + i, 3, i), "age": 50 - i,
            "phone": f"1380000{i:04d}", "branch_id": "B01", "opened_on": dt.date(2015, 1, i), "marketing_consent": i != 3,
            "do_not_call": False, "do_not_disturb": False, "occupation": "企业主" if i == 1 else None,
            "employer_id": "E01" if i == 2 else None, "region": "mainland", "risk_level": "C3",
            "risk_assessed_on": dt.date(2025, 6, 1), "tier": tier, "persona": "business_owner" if i == 1 else "salaried",
            "familiarity": "B", "aum": M(aum), "current": M(aum), "time_deposit": M("0.00"), "investments": M("0.00"),
            "balance_as_of": y, "aum_avg30": M(aum), "aum_trend30": 0.02 if i == 1 else None,
            "has_mobile_banking": i == 1, "has_credit_card": False, "has_third_party_binding": False,
            "has_investment": i == 1, "has_payroll": i == 2,
            "last_contact_at": dt.datetime.combine(y, dt.time(10, 45)) if i == 1 else None,
            "days_since_contact": 1 if i == 1 else None,
            "owner_staff_id": None, "remote_staff_id": "R001" if i < 3 else "R002", "advisor_staff_id": None,
        })
        for k in range(30):
            d = y - dt.timedelta(days=k)
            t["balances"].append({"customer_id": cid, "as_of": d, "current": M(aum), "time_deposit": M("0.00"),
                                  "investments": M("0.00"), "aum": M(aum)})
    if with_tasks:
        t["tasks"] = [
            {"date": day, "staff_id": "R001", "rank": 1, "customer_id": "C0002", "rules": "large_inflow;maturity",
             "purpose": "marketing", "channel": "phone", "offers": "F001;TD12", "window": "10:30-11:30", "score": 0.82,
             "urgency": 3.0, "value": 1.2, "propensity": 0.3, "levers": 1.0, "policy_notes": "",
             "explanation": "昨日入账 ¥520,000.00", "evidence": '{"credits":"520000.00"}', "model_version": "prior-v0"},
            {"date": day, "staff_id": "R001", "rank": 2, "customer_id": "C0001", "rules": "no_recent_contact",
             "purpose": "care", "channel": "phone", "offers": None, "window": "14:30-15:30", "score": 0.4},
        ]
        t["excluded"] = [
            {"date": day, "customer_id": "C0003", "rule": "no_recent_contact", "staff_id": "R002",
             "reason_code": "no_consent", "reason": "客户未授权营销"},
            {"date": day, "customer_id": "C0003", "rule": "no_recent_contact", "staff_id": "R002",
             "reason_code": "one_voice", "reason": "网点营销中：李强"},
        ]
    return t


def changed(tables: dict, fn) -> dict:
    """A deep copy of `tables` changed by fn(copy)."""
    t = copy.deepcopy(tables)
    fn(t)
    return t
