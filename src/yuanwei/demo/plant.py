"""Planted cases: customers whose data is shaped so that each default signal of DESIGN §4 fires
for a run of D = end + 1 (D−1 = end).

Natural data fires most signals by itself at a realistic rate; the planted customers make each
rule (and each branch of a rule with two) certain, also for a tiny bank. A planted customer
carries exactly one case; its natural positions and its transactions of the last 150 days are
replaced by the flows below, so the arithmetic of the rule is exact:

  case                  what is planted (amounts in yuan, days relative to end = D−1)
  birthday              birth (month, day) on D, D+1 or D+2; 29 Feb when D..D+2 has a non-leap 28 Feb
  relative_birthday     a spouse whose birthday falls on D, D+1 or D+2
  maturity              a one-year time deposit maturing on D … D+7
  large_inflow_abs      credit ≥ 60,000 on end
  large_inflow_ratio    3 × 3,000 credits in D−91…D−2 (M = 100), credit 20,000–39,500 on end (+ interest)
  large_outflow_abs     debit ≥ 60,000 on end
  large_outflow_ratio   aum 60,000 on end−1, debit 25,000 on end (≥ 30%, < 50,000)
  idle_cash             current ≥ 150,000 of aum ≥ 200,000, no investment debit for 150 days
  fund_move_cost        a fund whose latest nav is 0.85 × or 1.20 × the holding's cost_nav
  fund_move_5obs        the fund whose last five navs rose ≈ 8%
  tier_up               aum 45,000 flat for 30 days, then +160,000 on end (avg30 crosses 50,000)
  aum_drop              aum 300,000, then −120,000 on end (0.6 × the 30-day maximum)
  payroll_stopped       payroll on end−110, end−80, end−50 and none after
  risk_expiring_soon    risk_assessed_on + 365 within D … D+14
  risk_expired_holding  assessment older than 365 days, holds a fund
  new_customer          opened within D−7 … D−1 with an opening deposit ≥ 80,000
  no_recent_contact     aum 200,000, no contact in D−90 … D−1
  market_shock          holds an R3+ fund (the index fell 3.2% on the last trading day)
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np

from yuanwei.demo.static import Bank, epoch_day, to_date

CASES = (
    "birthday", "relative_birthday", "maturity", "large_inflow_abs", "large_inflow_ratio",
    "large_outflow_abs", "large_outflow_ratio", "idle_cash", "fund_move_cost", "fund_move_5obs",
    "tier_up", "aum_drop", "payroll_stopped", "risk_expiring_soon", "risk_expired_holding",
    "new_customer", "no_recent_contact", "market_shock",
)
QUIET_DAYS = 150
NEVER = 10**7
Y = 100  # fen per yuan


class Plants:
    """Which customers carry a planted case: every ``stride``-th customer, cycling through CASES."""

    def __init__(self, customers: int):
        self.code = {c: i for i, c in enumerate(CASES)}
        self.per_case = max(2, customers // 1000)
        self.total = len(CASES) * self.per_case
        self.stride = max(1, customers // self.total)

    def of(self, gi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(case code or −1, instance number within the case) for global customer indices."""
        slot = gi // self.stride
        on = (gi % self.stride == 0) & (slot < self.total)
        return np.where(on, slot % len(CASES), -1), np.where(on, slot // len(CASES), 0)

    @staticmethod
    def birthday_dates(birth: np.ndarray, inst: np.ndarray, end: int) -> np.ndarray:
        """Birth dates moved to D + inst % 3, keeping the year; a 29 Feb case when it matters."""
        window = [to_date(end + 1 + k) for k in range(3)]
        feb28 = any(d.month == 2 and d.day == 28 and not calendar.isleap(d.year) for d in window)
        out = np.array(birth, dtype=np.int64)
        for j, (b, k) in enumerate(zip(birth, inst)):
            year = to_date(int(b)).year
            if feb28 and k % 3 == 1:
                year -= year % 4  # a leap year (births are well after 1900)
                out[j] = epoch_day(dt.date(year, 2, 29))
                continue
            t = window[k % 3]
            if t.month == 2 and t.day == 29 and not calendar.isleap(year):
                year -= year % 4
            out[j] = epoch_day(dt.date(year, t.month, t.day))
        return out

    def current_base(self, variant: np.ndarray, inst: np.ndarray) -> np.ndarray:
        """The current-account balance a planted customer holds before its planted flows (fen)."""
        base = np.full(len(variant), 20_000 * Y, dtype=np.int64)
        c = self.code
        for case, value in (("large_inflow_abs", 30_000), ("large_outflow_abs", 300_000),
                            ("large_outflow_ratio", 60_000), ("tier_up", 25_000), ("aum_drop", 150_000),
                            ("new_customer", 0), ("no_recent_contact", 120_000)):
            base[variant == c[case]] = value * Y
        idle = variant == c["idle_cash"]
        base[idle] = (150_000 + inst[idle] % 10 * 10_000) * Y
        return base

    def positions(self, variant: np.ndarray, inst: np.ndarray, bank: Bank, end: int) -> dict:
        """Planted holdings: local customer index, product, amount (fen), bought, matures, cost_nav×10^4."""
        cat, risk, term = bank.product_category, bank.product_risk, bank.product_term
        td_1y = int(np.flatnonzero((cat == "time_deposit") & (term == 365))[0])
        funds = np.flatnonzero(cat == "fund")
        equity = [int(f) for f in funds if risk[f] >= 3 and f != bank.volatile_fund]
        bond_fund = int(funds[np.argmin(np.where(risk[funds] == 2, 0, 9))])
        rows: list[tuple[int, int, int, int, int, int]] = []
        c = self.code
        for j in np.flatnonzero(variant >= 0):
            v, k = int(variant[j]), int(inst[j])
            if v == c["maturity"]:
                m = end + 1 + k % 8
                rows.append((j, td_1y, (50_000 + k % 10 * 10_000) * Y, m - 365, m, 0))
            elif v == c["idle_cash"]:
                rows.append((j, td_1y, 50_000 * Y, end - 165, end + 200, 0))
            elif v == c["fund_move_cost"]:
                f = equity[k % len(equity)]
                factor = 0.85 if k % 2 == 0 else 1.20
                rows.append((j, f, 100_000 * Y, end - 200, NEVER, int(round(bank.latest_nav(f) / factor))))
            elif v == c["fund_move_5obs"]:
                rows.append((j, bank.volatile_fund, 50_000 * Y, end - 220, NEVER, 0))
            elif v == c["tier_up"]:
                rows.append((j, td_1y, 20_000 * Y, end - 300, end + 65, 0))
            elif v == c["aum_drop"]:
                rows.append((j, td_1y, 100_000 * Y, end - 250, end + 115, 0))
                rows.append((j, bond_fund, 50_000 * Y, end - 200, NEVER, 0))
            elif v == c["risk_expired_holding"]:
                rows.append((j, bond_fund, 30_000 * Y, end - 300, NEVER, 0))
            elif v == c["no_recent_contact"]:
                rows.append((j, td_1y, 80_000 * Y, end - 300, end + 65, 0))
            elif v == c["market_shock"]:
                rows.append((j, equity[k % len(equity)], 80_000 * Y, end - 220, NEVER, 0))
        a = np.array(rows, dtype=np.int64).reshape(-1, 6)
        return {"cust": a[:, 0], "prod": a[:, 1], "amount": a[:, 2], "bought": a[:, 3],
                "matures": a[:, 4], "cost_nav": a[:, 5]}

    def transactions(self, variant: np.ndarray, inst: np.ndarray, end: int, payroll_cp: np.ndarray,
                     kinds: dict[str, int], cps: dict[str, int]) -> dict:
        """Planted flows: local customer index, day, second of day, amount (fen), kind, counterparty."""
        rows: list[tuple[int, int, int, int, int, int]] = []
        c = self.code
        t = kinds["transfer"]
        for j in np.flatnonzero(variant >= 0):
            v, k = int(variant[j]), int(inst[j])
            if v == c["large_inflow_abs"]:
                rows.append((j, end, 40_000, (60_000 + k % 40 * 5_000) * Y, t, cps["他行账户"]))
            elif v == c["large_inflow_ratio"]:
                for d in (end - 80, end - 50, end - 20):
                    rows.append((j, d, 36_000, 3_000 * Y, t, cps["家庭转账"]))
                rows.append((j, end, 41_000, (20_000 + k % 40 * 500) * Y, t, cps["他行账户"]))
                rows.append((j, end, 7_800, 1_520, kinds["interest"], cps["账户结息"]))  # not a credit
            elif v == c["large_outflow_abs"]:
                rows.append((j, end, 50_000, -(60_000 + k % 40 * 1_000) * Y, t, cps["他行账户"]))
            elif v == c["large_outflow_ratio"]:
                rows.append((j, end, 52_000, -25_000 * Y, t, cps["他行账户"]))
            elif v == c["tier_up"]:
                rows.append((j, end, 39_000, 160_000 * Y, t, cps["他行账户"]))
            elif v == c["aum_drop"]:
                rows.append((j, end, 45_000, -120_000 * Y, t, cps["他行账户"]))
            elif v == c["payroll_stopped"]:
                for d in (end - 110, end - 80, end - 50):
                    rows.append((j, d, 34_000, 12_000 * Y, kinds["payroll"], int(payroll_cp[j])))
            elif v == c["new_customer"]:
                rows.append((j, end - k % 7, 35_000, (80_000 + k % 20 * 10_000) * Y, t, cps["开户存入"]))
        a = np.array(rows, dtype=np.int64).reshape(-1, 6)
        return {"cust": a[:, 0], "day": a[:, 1], "sec": a[:, 2], "amount": a[:, 3], "kind": a[:, 4],
                "cp": a[:, 5]}

    def drop_contacts(self, variant: np.ndarray, day: np.ndarray, end: int) -> np.ndarray:
        """Contacts removed so that no_recent_contact holds: none in D−90 … D−1."""
        return (variant == self.code["no_recent_contact"]) & (day >= end - 89)
