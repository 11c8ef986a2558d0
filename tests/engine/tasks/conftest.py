"""A small bank for the tasks tests, built by hand so every expected task is exact.

``world`` collects contract rows (staff, products, holdings, contacts, channel_plans), the day's
profiles (results "profiles") and signals (results "signals"), then ``world.build(backend, home)``
loads the contract tables on the backend (the ``backend`` fixture of tests/engine/conftest.py) and
calls ``build_tasks``. Business date D = 2026-11-30 (a Monday).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest

from yuanwei.engine.tasks import build_tasks
from yuanwei.results import RESULT_TABLES

D = dt.date(2026, 11, 30)


def days_before(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


PRODUCTS = [
    # product_id, category, risk, min_amount, term_days, expected_return
    ("TD3Y", "time_deposit", "R1", "50.00", 1095, 0.0195),
    ("CD20", "certificate", "R1", "200000.00", 1095, 0.0215),
    ("WL1", "wealth", "R1", "10000.00", 90, 0.0240),
    ("WL2", "wealth", "R2", "10000.00", 180, 0.0280),
    ("WL3", "wealth", "R3", "10000.00", 365, 0.0340),
    ("FD4", "fund", "R4", "1000.00", None, None),
    ("FD5", "fund", "R5", "1000.00", None, None),
]


class World:
    def __init__(self):
        self.day = D
        self.profiles: list[dict] = []
        self.signals: list[dict] = []
        self.rows: dict[str, list[dict]] = {
            "staff": [
                dict(staff_id="S01", name="张敏", role="remote_rm", branch_id="B01", hired_on="2020-01-01",
                     daily_capacity=30),
                dict(staff_id="S02", name="李强", role="remote_rm", branch_id="B01", hired_on="2021-01-01"),
                dict(staff_id="S09", name="张三", role="rm", branch_id="B01", hired_on="2019-01-01"),
            ],
            "branches": [dict(branch_id="B01", name="城东支行"), dict(branch_id="B02", name="城西支行")],
            "products": [
                dict(product_id=p, name=f"产品{p}", category=c, risk_rating=r, min_amount=m,
                     sale_start="2020-01-01", term_days=t, expected_return=e, status="on_sale")
                for p, c, r, m, t, e in PRODUCTS
            ],
            "holdings": [], "contacts": [], "channel_plans": [], "customers": [],
        }
        self._n = 0

    # --- inputs -------------------------------------------------------------------------
    def customer(self, cid: str, **kw) -> dict:
        p = {name: None for name in RESULT_TABLES["profiles"].names}
        p.update(customer_id=cid, name=f"客户{cid}", gender="F", birth_date=dt.date(1975, 5, 20), age=51,
                 phone="13800000000", branch_id="B01", opened_on=dt.date(2015, 1, 1), marketing_consent=True,
                 do_not_call=False, do_not_disturb=False, region="mainland", risk_level="C3",
                 risk_assessed_on=days_before(100), tier="金卡", persona="salaried", familiarity="B",
                 aum=Decimal("200000.00"), current=Decimal("120000.00"), time_deposit=Decimal("80000.00"),
                 investments=Decimal("0.00"), has_mobile_banking=True, has_credit_card=True,
                 has_third_party_binding=True, has_investment=True, has_payroll=False,
                 remote_staff_id="S01")
        p.update(kw)
        self.profiles.append(p)
        self.rows["customers"].append(dict(
            customer_id=cid, name=p["name"], gender="F", birth_date=p["birth_date"], phone=p["phone"],
            branch_id=p["branch_id"], opened_on=p["opened_on"], marketing_consent=p["marketing_consent"],
            do_not_call=p["do_not_call"], risk_level=p["risk_level"], risk_assessed_on=p["risk_assessed_on"]))
        return p

    def signal(self, cid: str, rule: str, urgency: int = 3, due_date: dt.date | None = None,
               evidence: dict | None = None, explanation: str | None = None):
        self.signals.append(dict(
            date=D, customer_id=cid, rule=rule, urgency=urgency, due_date=due_date or D,
            evidence=json.dumps(evidence or {"rule": rule}, sort_keys=True, separators=(",", ":")),
            explanation=explanation or f"{cid}的{rule}信号"))

    def contact(self, cid: str, day: dt.date, outcome: str = "reached", hour: int = 10, channel="phone"):
        self._n += 1
        self.rows["contacts"].append(dict(
            contact_id=f"K{self._n:05d}", customer_id=cid, staff_id="S01",
            at=dt.datetime.combine(day, dt.time(hour, 15)), channel=channel, outcome=outcome))

    def plan(self, cid: str, channel="branch", valid_from=None, valid_to=None, staff_id="S09"):
        self.rows["channel_plans"].append(dict(
            customer_id=cid, channel=channel, plan="网点理财沙龙", valid_from=valid_from or days_before(10),
            valid_to=valid_to or D + dt.timedelta(days=10), staff_id=staff_id))

    def holding(self, cid: str, product_id: str, amount="50000.00", matures_on=None):
        self._n += 1
        self.rows["holdings"].append(dict(
            holding_id=f"H{self._n:05d}", customer_id=cid, product_id=product_id, amount=amount,
            bought_on=days_before(180), matures_on=matures_on))

    # --- run -----------------------------------------------------------------------------
    def tables(self, backend):
        return backend.tables(**self.rows)

    def profiles_of_d(self) -> list[dict]:
        """The profiles as the features stage makes them from the world's contacts: the latest
        contact up to D−1 and the days since (where a test does not set them itself)."""
        latest: dict[str, dt.datetime] = {}
        for c in self.rows["contacts"]:
            if c["at"].date() < D and (c["customer_id"] not in latest or c["at"] > latest[c["customer_id"]]):
                latest[c["customer_id"]] = c["at"]
        out = []
        for p in self.profiles:
            p = dict(p)
            if p["last_contact_at"] is None and p["customer_id"] in latest:
                p["last_contact_at"] = latest[p["customer_id"]]
                p["days_since_contact"] = (D - latest[p["customer_id"]].date()).days
            out.append(p)
        return out

    def build(self, backend, home, **kw):
        tasks, excluded = build_tasks(
            self.tables(backend), D,
            pa.Table.from_pylist(self.signals, schema=RESULT_TABLES["signals"]),
            pa.Table.from_pylist(self.profiles_of_d(), schema=RESULT_TABLES["profiles"]), home, **kw)
        assert tasks.schema.equals(RESULT_TABLES["tasks"])
        assert excluded.schema.equals(RESULT_TABLES["excluded"])
        return tasks, excluded


    # --- reading results ---------------------------------------------------------------------
    @staticmethod
    def by_customer(table: pa.Table) -> dict[str, dict]:
        return {r["customer_id"]: r for r in table.to_pylist()}

    @staticmethod
    def reasons(excluded: pa.Table) -> dict[tuple[str, str], str]:
        """(customer_id, rule) → reason_code of the excluded rows."""
        return {(r["customer_id"], r["rule"]): r["reason_code"] for r in excluded.to_pylist()}


@pytest.fixture
def world() -> World:
    return World()
