"""build_tasks end to end: merging, traceability, determinism, every backend, model drop-in."""

from __future__ import annotations

import datetime as dt
import random
import sys
import types
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from yuanwei.learning.interface import LATEST

D = dt.date(2026, 11, 30)
RULES = ["birthday", "relative_birthday", "maturity", "large_inflow", "large_outflow", "idle_cash", "fund_move",
         "tier_up", "aum_drop", "payroll_stopped", "risk_assessment_expiring", "new_customer", "market_shock",
         "no_recent_contact"]


def varied_world(world, n=70, seed=5):
    """A mixed book: every rule, levels, ages, consent, contacts at many hours, plans, a long tail."""
    rnd = random.Random(seed)
    for i in range(n):
        cid = f"C{i:03d}"
        world.customer(
            cid, risk_level=rnd.choice(["C1", "C2", "C3", "C4", "C5", None]),
            risk_assessed_on=D - dt.timedelta(days=rnd.choice([10, 200, 365, 366, 900])),
            age=rnd.choice([30, 45, 64, 65, 78]), tier=rnd.choice(["大众", "金卡", "财富", "钻石", "私行"]),
            persona=rnd.choice(["retiree", "salaried", "business_owner", "homemaker"]),
            familiarity=rnd.choice("ABC"), marketing_consent=rnd.random() > 0.15,
            do_not_call=rnd.random() < 0.05, current=Decimal(rnd.choice(["5000.00", "80000.00", "400000.00"])),
            has_credit_card=rnd.random() > 0.5, has_investment=rnd.random() > 0.5,
            remote_staff_id=rnd.choice(["S01", "S02", None]), branch_id=rnd.choice(["B01", "B01", "B02"]))
        for rule in rnd.sample(RULES, rnd.randint(1, 3)):
            due = D + dt.timedelta(days=rnd.randint(0, 7))
            if rule == "maturity":
                world.holding(cid, rnd.choice(["WL2", "TD3Y", "FD4"]), matures_on=due)
            world.signal(cid, rule, rnd.randint(1, 5), due_date=due,
                         evidence={"amount": f"{rnd.randint(1, 9) * 10000}.00"}, explanation=f"{cid}·{rule}")
        for _ in range(rnd.randint(0, 6)):
            world.contact(cid, D - dt.timedelta(days=rnd.randint(0, 60)),
                          rnd.choice(["reached", "no_answer", "interested", "refused"]), hour=rnd.randint(9, 20))
        if i % 11 == 0:
            world.plan(cid, channel=rnd.choice(["branch", "wealth_center", "remote"]))
    # called at 19:xx four times and reached three: the history window, computed on the backend
    world.customer("EVE", familiarity="C", remote_staff_id="S02")
    world.signal("EVE", "birthday", 5, due_date=D + dt.timedelta(days=1))
    for k in range(4):
        world.contact("EVE", D - dt.timedelta(days=10 + k), "reached" if k else "no_answer", hour=19)
    world.rows["staff"][0]["daily_capacity"] = 12
    return world


def test_one_task_per_customer_citing_only_its_own_signals(world, duckdb_backend, home):
    varied_world(world)
    tasks, excluded = world.build(duckdb_backend, home)
    fired = {}
    for s in world.signals:
        fired.setdefault(s["customer_id"], set()).add(s["rule"])
    rows = tasks.to_pylist()
    assert len({r["customer_id"] for r in rows}) == len(rows) > 20
    for r in rows:
        assert set(r["rules"].split(";")) <= fired[r["customer_id"]]
        assert r["purpose"] in ("service", "care", "marketing")
        assert r["window"] and r["policy_notes"].startswith("评分")
        if r["offers"]:
            assert r["purpose"] == "marketing"
    # every (customer, rule) is either on a task or excluded with a reason, never both, never lost
    on_tasks = {(r["customer_id"], rule) for r in rows for rule in r["rules"].split(";")}
    left_out = {(r["customer_id"], r["rule"]) for r in excluded.to_pylist()}
    assert not on_tasks & left_out
    assert on_tasks | left_out == {(c, rule) for c, rules in fired.items() for rule in rules}
    assert all(r["reason"] and r["reason_code"] for r in excluded.to_pylist())


def test_signals_of_a_customer_merge_into_one_task(world, duckdb_backend, home):
    world.customer("C1")
    world.holding("C1", "WL2", matures_on=D + dt.timedelta(days=5))
    world.signal("C1", "birthday", 2, due_date=D + dt.timedelta(days=1), explanation="明天生日")
    world.signal("C1", "maturity", 4, due_date=D + dt.timedelta(days=5), explanation="理财5天后到期")
    world.signal("C1", "risk_assessment_expiring", 4, due_date=D + dt.timedelta(days=9), explanation="测评将到期")
    world.customer("C2", marketing_consent=False)
    world.signal("C2", "birthday", 2, explanation="明天生日")
    world.signal("C2", "risk_assessment_expiring", 3, explanation="测评将到期")
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    # strongest urgency first, then by rule id; the offer of the maturity makes it a marketing call
    assert t["C1"]["rules"] == "maturity;risk_assessment_expiring;birthday"
    assert t["C1"]["urgency"] == 4 and t["C1"]["purpose"] == "marketing"
    assert t["C1"]["explanation"] == "理财5天后到期；测评将到期；明天生日"
    # without offers: service outranks care
    assert t["C2"]["rules"] == "risk_assessment_expiring;birthday" and t["C2"]["purpose"] == "service"


def test_the_same_input_gives_the_same_tasks_whatever_the_order(world, duckdb_backend, home):
    varied_world(world)
    first = world.build(duckdb_backend, home)
    world.signals.reverse()
    world.profiles.reverse()
    second = world.build(duckdb_backend, home)
    assert first[0].equals(second[0]) and first[1].equals(second[1])


def test_the_same_tasks_on_every_backend(world, backend, duckdb_backend, home):
    varied_world(world, n=40)
    levers = pa.table({"customer_id": ["C003"], "product_id": [None], "factor": [1.7], "reason": ["活动"]})
    expected = world.build(duckdb_backend, home, levers=levers)
    got = world.build(backend, home, levers=levers)
    assert got[0].equals(expected[0])
    assert got[1].equals(expected[1])
    assert world.by_customer(got[0])["EVE"]["window"] == "19:00-20:00"


class FakePropensity:
    version = "lgbm-test-1"

    def predict(self, tables, day, candidates):
        assert {"customer_id", "rule", "persona", "familiarity", "tier", "age", "category", "channel"} <= set(candidates)
        return np.where(candidates["customer_id"] == "C2", 0.9, 0.1)


class FakeCallTime:
    version = "ct-test-1"

    def windows(self, tables, day, customers):
        import pandas as pd

        return pd.Series(["19:00-20:00" if c == "C1" else None for c in customers["customer_id"]],
                         index=customers.index)


def test_a_learned_model_drops_in_through_learning_store(world, duckdb_backend, home, monkeypatch):
    store = types.ModuleType("yuanwei.learning.store")
    store.load_latest = lambda h: (FakePropensity(), FakeCallTime())
    monkeypatch.setitem(sys.modules, "yuanwei.learning.store", store)
    home.models_dir.mkdir(parents=True, exist_ok=True)
    (home.models_dir / LATEST).write_text("lgbm-test-1")  # the store's pointer: a model was learned
    for cid in ("C1", "C2"):
        world.customer(cid, familiarity="A")
        world.signal(cid, "aum_drop", 3)
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert {r["model_version"] for r in t.values()} == {"lgbm-test-1"}
    assert t["C2"]["rank"] == 1 and t["C2"]["propensity"] == pytest.approx(0.9)
    assert t["C1"]["window"] == "19:00-20:00"
    assert t["C2"]["window"] == "12:00-13:00"  # the model had nothing to say: persona default


def test_priors_when_no_model_is_stored(world, duckdb_backend, home, monkeypatch):
    store = types.ModuleType("yuanwei.learning.store")
    store.load_latest = lambda h: (None, None)
    monkeypatch.setitem(sys.modules, "yuanwei.learning.store", store)
    world.customer("C1")
    world.signal("C1", "aum_drop", 3)
    tasks, _ = world.build(duckdb_backend, home)
    assert tasks.column("model_version").to_pylist() == ["prior-1"]


def test_a_signal_for_someone_who_is_not_a_customer_on_d_is_excluded(world, duckdb_backend, home):
    world.signal("GHOST", "birthday", 2)
    tasks, excluded = world.build(duckdb_backend, home)
    assert tasks.num_rows == 0
    assert world.reasons(excluded) == {("GHOST", "birthday"): "not_customer"}


def test_a_day_without_signals_gives_empty_tables(world, duckdb_backend, home):
    world.customer("C1")
    tasks, excluded = world.build(duckdb_backend, home)
    assert tasks.num_rows == 0 and excluded.num_rows == 0


def test_a_bad_rules_file_stops_the_stage_with_the_key(world, duckdb_backend, home):
    from yuanwei.errors import UsageError

    home.rules_file.write_text("tasks:\n  capacity: {default_daily_capacity: -1}\n", encoding="utf-8")
    world.customer("C1")
    world.signal("C1", "aum_drop", 3)
    with pytest.raises(UsageError, match="tasks.capacity.default_daily_capacity"):
        world.build(duckdb_backend, home)
