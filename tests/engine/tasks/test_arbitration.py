"""Arbitration: score = urgency × value × propensity × levers, each factor kept on the task."""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
import pytest

from yuanwei.engine.tasks.arbitration import parse_levers
from yuanwei.errors import UsageError

D = dt.date(2026, 11, 30)


def test_the_score_is_the_product_of_its_stored_factors(world, duckdb_backend, home):
    world.customer("A", tier="财富", persona="retiree", familiarity="A")
    world.signal("A", "idle_cash", 3)
    world.customer("B", tier="大众", persona="salaried", familiarity="C")
    world.signal("B", "aum_drop", 4)
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    # A: urgency 3 × value 2.0 × (1 + 0.2 offer bonus) × prior 0.18 × 1.2 retiree × 1.3 familiar A
    assert t["A"]["urgency"] == 3 and t["A"]["value"] == pytest.approx(2.4)
    assert t["A"]["propensity"] == pytest.approx(0.18 * 1.2 * 1.3)
    assert t["B"]["value"] == pytest.approx(1.0) and t["B"]["propensity"] == pytest.approx(0.10 * 0.9 * 0.8)
    for row in t.values():
        assert row["score"] == pytest.approx(row["urgency"] * row["value"] * row["propensity"] * row["levers"])
        assert row["policy_notes"].startswith(f"评分 {row['score']:.4f} = 紧迫度")
        assert row["model_version"] == "prior-1"
    assert t["A"]["rank"] == 1 and t["B"]["rank"] == 2


def test_levers_raise_a_campaign_customer_and_product(world, duckdb_backend, home):
    for cid in ("A", "B", "C"):
        world.customer(cid, risk_level="C5")
        world.signal(cid, "idle_cash", 3)
    levers = pa.table({"customer_id": ["C", None], "product_id": [None, "WL1"],
                       "factor": [2.0, 1.5], "reason": ["重点客户回访", "双十一理财节"]})
    tasks, _ = world.build(duckdb_backend, home, levers=levers)
    t = world.by_customer(tasks)
    assert t["C"]["rank"] == 1
    assert t["C"]["levers"] == pytest.approx(3.0)  # its own lever × the product lever of its offer
    assert "杠杆：重点客户回访 ×2" in t["C"]["policy_notes"] and "双十一理财节 ×1.5" in t["C"]["policy_notes"]
    # the campaign product comes first among the offers
    assert all(r["offers"].split(";")[0] == "WL1" for r in t.values())
    assert t["A"]["levers"] == pytest.approx(1.5)


@pytest.mark.parametrize("table, msg", [
    (pa.table({"customer_id": ["C1"], "factor": [0.0]}), "row 1: factor must be > 0"),
    (pa.table({"customer_id": ["C1"], "factor": [math.inf]}), "row 1: factor must be > 0"),
    (pa.table({"customer_id": ["C1"], "factor": ["x"]}), "row 1: factor 'x' is not a number"),
    (pa.table({"customer_id": ["C1", "C2"], "product_id": [None, "P1"], "factor": [1.2, 1.1]}),
     "row 2: give exactly one of customer_id or product_id"),
    (pa.table({"reason": ["x"], "factor": [1.0]}), "needs columns"),
])
def test_bad_levers_are_refused_with_the_row(table, msg):
    with pytest.raises(UsageError, match=msg):
        parse_levers(table)


def test_campaign_levers_are_read_from_the_home_config_folder(world, duckdb_backend, home):
    for cid in ("A", "B"):
        world.customer(cid)
        world.signal(cid, "aum_drop", 3)
    (home.config_dir / "levers.csv").write_text(
        "customer_id,product_id,factor,reason\nB,,1.8,重阳节客户关怀\n", encoding="utf-8")
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert t["B"]["rank"] == 1 and t["B"]["levers"] == pytest.approx(1.8)
    assert "杠杆：重阳节客户关怀 ×1.8" in t["B"]["policy_notes"]


def test_a_bad_levers_file_names_the_file_and_line(world, duckdb_backend, home):
    world.customer("A")
    world.signal("A", "aum_drop", 3)
    f = home.config_dir / "levers.csv"
    f.write_text("customer_id,product_id,factor,reason\nA,,1.5,ok\nA,,-2,bad\n", encoding="utf-8")
    with pytest.raises(UsageError, match=rf"{f}: line 3: factor must be > 0"):
        world.build(duckdb_backend, home)


def test_scores_are_the_product_of_the_factors_rounded_to_nine_places_as_python_rounds():
    """The columnar scores equal round(u × v × p × l, 9) of each candidate, to the last bit."""
    import random

    import numpy as np

    from yuanwei.engine.tasks.arbitration import scores

    rnd = random.Random(7)
    u = [float(rnd.randint(1, 5)) for _ in range(20_000)]
    v = [rnd.choice([1.0, 1.2, 1.5, 1.8, 2.0, 2.4, 2.5, 3.0, 3.6]) for _ in u]
    p = [round(rnd.random(), 6) for _ in u]
    lv = [rnd.choice([1.0, 1.5, 0.8, 1.1 * 1.3]) for _ in u]
    expected = [round(a * b * c * d, 9) for a, b, c, d in zip(u, v, p, lv)]
    assert scores(*(np.array(x) for x in (u, v, p, lv))) == expected
