"""A small, realistic bank written straight into a warehouse (for the run/export tests).

Deterministic (seeded): 60 customers over 2026-06-01 … 2026-12-02 with payroll, large inflows and
outflows, daily balance snapshots, maturing holdings, fund navs, an index drop, contacts, relatives,
services, channel plans. Rows dated after a business date let tests check that a run for a past
date ignores them.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pyarrow as pa

from yuanwei.contract.schema import TABLES
from yuanwei.engine.run import contract_schema
from yuanwei.warehouse.db import connect

START = dt.date(2026, 6, 1)
END = dt.date(2026, 12, 2)   # the last day with data
DAY = dt.date(2026, 11, 30)  # the business date most tests run


def _days(a: dt.date, b: dt.date):
    d = a
    while d <= b:
        yield d
        d += dt.timedelta(days=1)


def money(x) -> Decimal:
    return Decimal(str(round(x, 2))).quantize(Decimal("0.01"))


def bank_rows(customers: int = 60, seed: int = 7, end: dt.date = END) -> dict[str, list[dict]]:
    rnd = random.Random(seed)
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    rows["branches"] = [dict(branch_id="B01", name="城东支行", city="上海"),
                        dict(branch_id="B02", name="城西支行", city="上海", parent_id="B01")]
    rows["staff"] = [dict(staff_id=f"S0{i}", name=n, role="remote_rm", branch_id="B01", team="远维一组",
                          hired_on=dt.date(2020, 1, i), daily_capacity=30)
                     for i, n in ((1, "张敏"), (2, "李强"), (3, "王芳"))]
    rows["employers"] = [dict(employer_id="E01", name="申城制造", industry="制造业", headcount=800,
                              payroll_with_bank=True)]
    rows["products"] = [
        dict(product_id="P01", name="稳健混合基金", category="fund", risk_rating="R3", min_amount=money(1000),
             sale_start=dt.date(2020, 1, 1), status="on_sale"),
        dict(product_id="P02", name="季季盈理财", category="wealth", risk_rating="R2", min_amount=money(10000),
             sale_start=dt.date(2024, 1, 1), term_days=90, expected_return=0.028, status="on_sale"),
        dict(product_id="P03", name="三年定期", category="time_deposit", risk_rating="R1",
             min_amount=money(50), sale_start=dt.date(2020, 1, 1), term_days=1095, status="on_sale"),
        dict(product_id="P04", name="科技成长基金", category="fund", risk_rating="R4", min_amount=money(1000),
             sale_start=dt.date(2021, 1, 1), status="on_sale"),
    ]
    # navs: P01 drifts, P04 falls >10% in November
    for pid, base, slope in (("P01", 1.20, 0.0002), ("P04", 2.00, -0.0015)):
        nav = base
        for d in _days(START, end):
            if d.weekday() < 5:
                nav *= 1 + slope + rnd.uniform(-0.004, 0.004)
                rows["nav"].append(dict(product_id=pid, as_of=d, nav=Decimal(f"{nav:.6f}")))
    close = 3300.0
    for d in _days(START, end):
        if d.weekday() < 5:
            close *= 0.962 if d == dt.date(2026, 11, 27) else 1 + rnd.uniform(-0.01, 0.01)
            rows["market"].append(dict(as_of=d, symbol="SSE_COMPOSITE", close=Decimal(f"{close:.6f}")))
            rows["market"].append(dict(as_of=d, symbol="GOLD_AU9999", close=Decimal(f"{560 + rnd.uniform(-5, 5):.6f}")))
    for i, d in enumerate(_days(dt.date(2026, 11, 20), end)):
        rows["news"].append(dict(published_at=dt.datetime.combine(d, dt.time(8, 30)), source="财经日报",
                                 title=f"市场早报第{i + 1}期", summary="沪指震荡"))

    txn_no = 0
    for n in range(1, customers + 1):
        cid = f"C{n:04d}"
        opened = dt.date(2012 + n % 12, 1 + n % 12, 1 + n % 27)
        if n % 20 == 0:
            opened = DAY - dt.timedelta(days=3)        # new customers
        if n % 29 == 0:
            opened = DAY + dt.timedelta(days=1)        # not yet a customer on DAY
        birth = dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28)
        if n % 7 == 0:
            b = DAY + dt.timedelta(days=n % 2)
            birth = birth.replace(month=b.month, day=b.day)  # birthdays around DAY
        rows["customers"].append(dict(
            customer_id=cid, name=f"客户{n:04d}", gender="MF"[n % 2], birth_date=birth,
            phone=f"1380000{n:04d}", branch_id="B01" if n % 3 else "B02", opened_on=opened,
            marketing_consent=n % 9 != 0, do_not_call=n % 31 == 0, occupation="职员",
            employer_id="E01" if n % 4 == 0 else None, region="mainland",
            risk_level=f"C{1 + n % 5}", risk_assessed_on=DAY - dt.timedelta(days=300 + n % 90),
            preferred_channel="phone"))
        rows["assignments"].append(dict(customer_id=cid, staff_id=f"S0{1 + n % 3}", role="remote",
                                        since=dt.date(2025, 1, 1)))
        rows["accounts"].append(dict(account_id=f"A{cid}", customer_id=cid, kind="current", opened_on=opened))
        if n % 5 == 0:
            rows["relatives"].append(dict(customer_id=cid, relation="child", name=f"子女{n}",
                                          birth_date=dt.date(2000, 12, 1)))
        rows["services"].append(dict(customer_id=cid, service="mobile_banking", since=opened))
        if n % 2:
            rows["services"].append(dict(customer_id=cid, service="credit_card", since=opened))

        level = rnd.choice([8_000, 30_000, 120_000, 600_000, 2_000_000])
        current = level * 0.6
        for d in _days(max(START, opened), end):
            current = max(0.0, current * (1 + rnd.uniform(-0.01, 0.01)))
            if n % 6 == 0 and d >= dt.date(2026, 11, 1):
                current *= 0.97   # a falling aum
            td = level * 0.3
            inv = level * 0.1
            rows["balances"].append(dict(customer_id=cid, as_of=d, current=money(current), time_deposit=money(td),
                                         investments=money(inv), aum=money(current) + money(td) + money(inv)))
            if n % 4 == 0 and d.day == 10 and not (n % 8 == 0 and d >= dt.date(2026, 9, 1)):
                txn_no += 1
                rows["transactions"].append(dict(
                    txn_id=f"T{txn_no:07d}", account_id=f"A{cid}", customer_id=cid,
                    booked_at=dt.datetime.combine(d, dt.time(9, 15)), amount=money(8000 + n * 10),
                    kind="payroll", counterparty="申城制造", channel="batch"))
            if rnd.random() < 0.15:
                txn_no += 1
                amt = rnd.uniform(-3000, 3000)
                rows["transactions"].append(dict(
                    txn_id=f"T{txn_no:07d}", account_id=f"A{cid}", customer_id=cid,
                    booked_at=dt.datetime.combine(d, dt.time(rnd.randint(8, 21), rnd.randint(0, 59))),
                    amount=money(amt), kind=rnd.choice(["transfer", "card", "cash"]), channel="mobile"))
        # large flows on the day before DAY (and the day after, which DAY's run must not see)
        for d, amt in ((DAY - dt.timedelta(days=1), 520_000), (DAY + dt.timedelta(days=1), 700_000),
                       (dt.date(2026, 11, 19), 88_000)):
            if n % 10 == 3 and d >= opened and d <= end:
                txn_no += 1
                rows["transactions"].append(dict(
                    txn_id=f"T{txn_no:07d}", account_id=f"A{cid}", customer_id=cid,
                    booked_at=dt.datetime.combine(d, dt.time(23, 30)), amount=money(amt if n % 20 else -amt),
                    kind="transfer", counterparty="他行转入"))
        if n % 3 == 0:
            rows["holdings"].append(dict(
                holding_id=f"H{n:04d}a", customer_id=cid, product_id="P02", amount=money(50_000),
                bought_on=dt.date(2026, 9, 1), matures_on=DAY + dt.timedelta(days=n % 9)))
        if n % 4 == 1:
            pid = "P04" if n % 8 == 1 else "P01"
            rows["holdings"].append(dict(
                holding_id=f"H{n:04d}b", customer_id=cid, product_id=pid, amount=money(20_000),
                bought_on=dt.date(2026, 7, 1), units=Decimal("10000.000000"),
                cost_nav=Decimal("2.000000") if pid == "P04" else Decimal("1.200000")))
        if n % 11 == 0:
            rows["holdings"].append(dict(   # bought after DAY: invisible to DAY's run
                holding_id=f"H{n:04d}c", customer_id=cid, product_id="P03", amount=money(10_000),
                bought_on=DAY + dt.timedelta(days=1), matures_on=dt.date(2029, 12, 1)))
        for k in range(n % 4):
            at = dt.datetime.combine(DAY - dt.timedelta(days=5 + 20 * k), dt.time(10 + k, 5))
            rows["contacts"].append(dict(contact_id=f"K{n:04d}{k}", customer_id=cid, staff_id=f"S0{1 + n % 3}",
                                         at=at, channel="phone",
                                         outcome=("reached", "no_answer", "interested", "refused")[k]))
        if n % 13 == 0:
            rows["channel_plans"].append(dict(customer_id=cid, channel="branch", plan="网点理财沙龙",
                                              valid_from=DAY - dt.timedelta(days=10),
                                              valid_to=DAY + dt.timedelta(days=10), staff_id="S01"))
    return rows


def arrow(name: str, rows: list[dict]) -> pa.Table:
    schema = contract_schema(name)
    return pa.table({f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in schema}, schema=schema)


def write_bank(home, rows: dict[str, list[dict]], cutoff: dt.date | None = None) -> None:
    """Insert ``rows`` into the home's warehouse (replacing its contract tables).

    With ``cutoff``: leave out every time-based row dated after it (the warehouse as it was then).
    """
    from yuanwei.warehouse.backends import AS_OF_COLUMNS

    con = connect(home.warehouse)
    try:
        for name in TABLES:
            data = rows.get(name, [])
            col = AS_OF_COLUMNS.get(name)
            if cutoff and col:
                src = col[:-4] if col.endswith("_day") else col
                data = [r for r in data if r.get(src) is None or _day(r[src]) <= cutoff]
            con.execute(f'DELETE FROM "{name}"')
            if not data:
                continue
            con.register("_rows", arrow(name, data))
            day_cols = [c for c, _ in TABLES[name].stored_columns() if c.endswith("_day")]
            extra = "".join(f', CAST("{c[:-4]}" AS DATE) AS "{c}"' for c in day_cols)
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT *{extra} FROM _rows')
            con.unregister("_rows")
    finally:
        con.close()


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
