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


def test_a_task_says_each_explanation_once_in_the_order_of_its_entries(world, duckdb_backend, home):
    import json

    world.customer("C1")
    # two maturing holdings with the same text, one due earlier; another rule saying it again
    world.holding("C1", "WL2", matures_on=D + dt.timedelta(days=3))
    world.holding("C1", "TD3Y", matures_on=D + dt.timedelta(days=6))
    world.signal("C1", "maturity", 4, due_date=D + dt.timedelta(days=6), evidence={"holding_id": "H2"},
                 explanation="理财到期")
    world.signal("C1", "maturity", 4, due_date=D + dt.timedelta(days=3), evidence={"holding_id": "H1"},
                 explanation="理财到期")
    world.signal("C1", "birthday", 2, due_date=D + dt.timedelta(days=1), explanation="理财到期")
    world.signal("C1", "idle_cash", 3, explanation="活期闲置")
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)["C1"]
    assert t["rules"] == "maturity;idle_cash;birthday"
    assert t["explanation"] == "理财到期；活期闲置"
    entries = json.loads(t["evidence"])
    assert [(e["rule"], e["due_date"]) for e in entries] == [
        ("maturity", str(D + dt.timedelta(days=3))), ("maturity", str(D + dt.timedelta(days=6))),
        ("idle_cash", str(D)), ("birthday", str(D + dt.timedelta(days=1)))]
    assert [e["evidence"].get("holding_id") for e in entries[:2]] == ["H1", "H2"]
    assert [e["explanation"] for e in entries] == ["理财到期", "理财到期", "活期闲置", "理财到期"]
    assert list(json.loads(t["evidence"])[0]) == sorted(entries[0])   # keys sorted, as canonical JSON


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


def _policy_world(world, n, seed):
    """Many near-alike candidates: a few rule sets, and each thing the policy and the offers read
    mostly at one value, sometimes at another on either side of its boundary — so that groups of
    alike candidates form and a key that left one of those things out would merge unlike ones."""
    rnd = random.Random(seed)

    def mostly(usual, *others):
        return usual if rnd.random() < 0.9 else rnd.choice(others)

    rule_sets = [["idle_cash"], ["maturity"], ["idle_cash", "birthday"], ["tier_up"], ["no_recent_contact"],
                 ["aum_drop", "market_shock"], ["large_inflow", "maturity"], ["risk_assessment_expiring"]]
    for i in range(n):
        cid = f"P{i:03d}"
        world.customer(
            cid, risk_level=mostly("C3", "C1", "C2", "C4", "C5", None, ""),
            risk_assessed_on=mostly(D - dt.timedelta(days=100), None, D - dt.timedelta(days=365),
                                    D - dt.timedelta(days=366)),
            age=mostly(45, None, 64, 65, 80), tier=mostly("金卡", "大众", "私行", None),
            persona=mostly("salaried", "retiree", None), familiarity=mostly("B", "A", "C"),
            marketing_consent=mostly(True, False, None), do_not_call=mostly(False, True, None),
            do_not_disturb=mostly(False, None, True),
            current=mostly(Decimal("120000.00"), None, Decimal("0.00"), Decimal("49.99"), Decimal("50.00"),
                           Decimal("9999.99"), Decimal("10000.00"), Decimal("199999.99"), Decimal("200000.00")),
            has_mobile_banking=mostly(True, False, None), has_credit_card=mostly(True, False),
            has_third_party_binding=mostly(True, False, None), has_investment=mostly(True, False),
            remote_staff_id=mostly("S01", "S02", None), branch_id=mostly("B01", "B02"))
        for rule in rnd.choice(rule_sets):
            due = D + dt.timedelta(days=mostly(2, 0, 9))
            if rule == "maturity":
                for _ in range(mostly(1, 0, 2)):
                    # same category, other terms (WL1, WL3); other categories; more funds
                    world.holding(cid, mostly("WL2", "WL1", "WL3", "TD3Y", "FD4", "CD20"), matures_on=due,
                                  amount=mostly("60000.00", "100.00", "150000.00"))
            world.signal(cid, rule, mostly(3, 1, 5), due_date=due, explanation=f"{cid}·{rule}")
        # contacts: none; yesterday; 4 or 5 in D−30…D−8 (pressure_30d, shown with its count); long ago
        for ago in mostly([], [1], [8, 9, 10, 20], [8, 9, 10, 20, 25], [30, 31], [200]):
            world.contact(cid, D - dt.timedelta(days=ago), mostly("no_answer", "reached", "refused", "do_not_disturb"))
        if rnd.random() < 0.1:
            world.plan(cid, channel=rnd.choice(["branch", "wealth_center", "call_center", "remote"]),
                       staff_id=rnd.choice(["S09", None]))
    # twins alike but for what matures: its category at the same term, its term in the same
    # category, its amount across the certificate's minimum (200,000.00 with the current balance)
    for k, (one, other) in enumerate([(("TD3Y", "150000.00"), ("CD20", "150000.00")),
                                      (("WL1", "60000.00"), ("WL2", "60000.00")),
                                      (("TD3Y", "60000.00"), ("TD3Y", "150000.00"))]):
        for twin, (product, amount) in (("a", one), ("b", other)):
            world.customer(f"T{k}{twin}", current=Decimal("120000.00"), remote_staff_id="S03")
            world.holding(f"T{k}{twin}", product, matures_on=D + dt.timedelta(days=3), amount=amount)
            world.signal(f"T{k}{twin}", "maturity", 3, due_date=D + dt.timedelta(days=3))
    # offers show on tasks only: most candidates fit (S01, S03), S02's do not
    world.rows["staff"][0]["daily_capacity"] = 1000
    world.rows["staff"][1]["daily_capacity"] = 5
    world.rows["staff"].append(dict(staff_id="S03", name="王五", role="remote_rm", branch_id="B02",
                                    hired_on="2022-01-01", daily_capacity=1000))
    return world


@pytest.mark.parametrize("seed", [3, 17])
def test_deciding_alike_candidates_once_gives_what_deciding_each_alone_gives(world, duckdb_backend, home,
                                                                           monkeypatch, seed):
    """The policy and offers are decided once per group of alike candidates: with every candidate
    its own group the tasks and exclusions are the same, byte for byte."""
    import yuanwei.engine.tasks as tasks_module

    _policy_world(world, 600, seed)
    grouping = tasks_module._decision_groups
    sizes = []

    def spy(ids, *args):
        groups = grouping(ids, *args)
        sizes.append((len(ids), int(groups.max()) + 1))
        return groups

    monkeypatch.setattr(tasks_module, "_decision_groups", spy)
    grouped = world.build(duckdb_backend, home)
    assert sizes[0][1] < sizes[0][0]     # alike candidates did share a decision
    monkeypatch.setattr(tasks_module, "_decision_groups", lambda ids, *args: np.arange(len(ids)))
    alone = world.build(duckdb_backend, home)
    assert grouped[0].to_pylist() == alone[0].to_pylist()
    assert grouped[1].to_pylist() == alone[1].to_pylist()
    reasons = set(grouped[1]["reason_code"].to_pylist())
    assert {"over_capacity", "no_consent", "pressure_7d", "do_not_disturb", "other_channel"} <= reasons
