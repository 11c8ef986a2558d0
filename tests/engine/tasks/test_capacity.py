"""Capacity and assignment: daily_capacity per RM, long-tail balancing, carry-over of yesterday's tasks."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq

from yuanwei.results import RESULT_TABLES

D = dt.date(2026, 11, 30)


def many(world, n, prefix="C", **kw):
    for i in range(n):
        cid = f"{prefix}{i:03d}"
        world.customer(cid, **kw)
        # distinct urgencies and ages of signal → distinct scores: the best ones must be kept
        world.signal(cid, "aum_drop", 1 + i % 5)


def test_more_candidates_than_capacity_keeps_the_best_and_excludes_the_rest(world, duckdb_backend, home):
    many(world, 37)
    tasks, excluded = world.build(duckdb_backend, home)
    rows = tasks.to_pylist()
    assert len(rows) == 30 and {r["staff_id"] for r in rows} == {"S01"}
    assert [r["rank"] for r in rows] == list(range(1, 31))
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    over = excluded.to_pylist()
    assert len(over) == 7 and {r["reason_code"] for r in over} == {"over_capacity"}
    assert {r["reason"] for r in over} == {"超出当日容量"} and {r["staff_id"] for r in over} == {"S01"}
    # the 8 urgency-1 customers tie on score; customer_id breaks the tie, so C000 stays
    assert sorted(r["customer_id"] for r in over) == [f"C{i:03d}" for i in range(5, 37, 5)]


def test_fewer_candidates_than_capacity_are_all_tasks(world, duckdb_backend, home):
    many(world, 12)
    tasks, excluded = world.build(duckdb_backend, home)
    assert tasks.num_rows == 12 and excluded.num_rows == 0


def test_daily_capacity_comes_from_staff_with_the_default_when_empty(world, duckdb_backend, home):
    world.rows["staff"][0]["daily_capacity"] = 5
    many(world, 8)
    many(world, 33, prefix="L", remote_staff_id="S02")   # S02 has no daily_capacity: default 30
    tasks, excluded = world.build(duckdb_backend, home)
    per = {}
    for r in tasks.to_pylist():
        per[r["staff_id"]] = per.get(r["staff_id"], 0) + 1
    assert per == {"S01": 5, "S02": 30}
    assert excluded.num_rows == 3 + 3


def test_long_tail_customers_are_balanced_across_the_branch_remote_rms(world, duckdb_backend, home):
    many(world, 6)                                             # S01's own customers
    many(world, 20, prefix="T", remote_staff_id=None)          # unassigned long tail of B01
    world.customer("B2", remote_staff_id=None, branch_id="B02")  # a branch without remote RMs
    world.signal("B2", "aum_drop", 3)
    tasks, excluded = world.build(duckdb_backend, home)
    per = {}
    for r in tasks.to_pylist():
        per[r["staff_id"]] = per.get(r["staff_id"], 0) + 1
    assert per == {"S01": 13, "S02": 13}  # 6 own + 7 long tail, and 13 long tail
    assert world.reasons(excluded) == {("B2", "aum_drop"): "no_remote_rm"}
    again, _ = world.build(duckdb_backend, home)
    assert again.equals(tasks)   # deterministic


def test_rms_below_twenty_fill_first_then_by_share_of_capacity(world, duckdb_backend, home):
    world.rows["staff"][0]["daily_capacity"] = 60     # S01: 60 a day; S02: the default 30
    many(world, 25, prefix="A", remote_staff_id="S01")
    many(world, 10, prefix="B", remote_staff_id="S02")
    many(world, 45, prefix="T", remote_staff_id=None)
    tasks, excluded = world.build(duckdb_backend, home)
    per = {}
    for r in tasks.to_pylist():
        per[r["staff_id"]] = per.get(r["staff_id"], 0) + 1
    # S02 first reaches 20 (10 of the long tail); the other 35 go by share of capacity used, ending
    # near equal shares (S01/60 ≈ S02/30): 80 tasks → 53 and 27
    assert per == {"S01": 53, "S02": 27} and excluded.num_rows == 0


def test_an_rm_short_of_twenty_gets_the_long_tail_before_a_roomier_colleague(world, duckdb_backend, home):
    world.rows["staff"][0]["daily_capacity"] = 200    # S01 uses 25/200 of its room, S02 10/30
    many(world, 25, prefix="A", remote_staff_id="S01")
    many(world, 10, prefix="B", remote_staff_id="S02")
    many(world, 10, prefix="T", remote_staff_id=None)
    tasks, _ = world.build(duckdb_backend, home)
    per = {}
    for r in tasks.to_pylist():
        per[r["staff_id"]] = per.get(r["staff_id"], 0) + 1
    assert per == {"S01": 25, "S02": 20}


def write_previous_run(home, rows):
    folder = home.runs_dir / (D - dt.timedelta(days=1)).isoformat()
    folder.mkdir(parents=True)
    full = []
    for r in rows:
        base = {name: None for name in RESULT_TABLES["tasks"].names}
        base.update(date=D - dt.timedelta(days=1), rank=1, purpose="marketing", channel="phone", offers="",
                    window="10:30-11:30", score=1.0, urgency=3.0, value=1.0, propensity=0.2, levers=1.0,
                    model_version="prior-1")
        base.update(r)
        full.append(base)
    pq.write_table(pa.Table.from_pylist(full, schema=RESULT_TABLES["tasks"]), folder / "tasks.parquet")


def evidence(rule, due, urgency=3):
    return json.dumps([{"rule": rule, "urgency": urgency, "due_date": due.isoformat(),
                        "evidence": {"holding_id": "H1"}, "explanation": f"{rule}说明"}], ensure_ascii=False)


def test_yesterdays_tasks_not_done_and_still_due_carry_over(world, duckdb_backend, home):
    for cid in ("DUE", "DONE", "EXPIRED", "OLDER"):
        world.customer(cid, remote_staff_id=None)
    write_previous_run(home, [
        dict(customer_id="DUE", staff_id="S02", rules="maturity", evidence=evidence("maturity", D)),
        dict(customer_id="DONE", staff_id="S02", rules="maturity", evidence=evidence("maturity", D + dt.timedelta(days=3))),
        dict(customer_id="EXPIRED", staff_id="S02", rules="maturity", evidence=evidence("maturity", D - dt.timedelta(days=1))),
        dict(customer_id="OLDER", staff_id="S02", rules="idle_cash", evidence=evidence("idle_cash", D),
             carried_over_from=D - dt.timedelta(days=3)),
    ])
    world.contact("DONE", D - dt.timedelta(days=1), "reached", hour=16)  # done since the task's day
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert set(t) == {"DUE", "OLDER"}
    assert t["DUE"]["carried_over_from"] == D - dt.timedelta(days=1)
    assert t["OLDER"]["carried_over_from"] == D - dt.timedelta(days=3)   # the first day it was due
    assert t["DUE"]["staff_id"] == "S02"          # the RM who had it yesterday keeps it
    assert "顺延" in t["DUE"]["policy_notes"] and t["DUE"]["explanation"] == "maturity说明"


def test_a_fresh_signal_makes_it_todays_task(world, duckdb_backend, home):
    world.customer("C1")
    world.signal("C1", "maturity", 4, due_date=D + dt.timedelta(days=2))
    write_previous_run(home, [dict(customer_id="C1", staff_id="S01", rules="birthday;maturity",
                                   evidence=evidence("birthday", D + dt.timedelta(days=1)))])
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)["C1"]
    assert t["rules"] == "maturity;birthday" and t["carried_over_from"] is None


def previous_task_and_one_left_over(home, task_staff: str, wait_due: dt.date) -> dt.date:
    """The run of D−1: a maturity task of TASK (``task_staff``), and WAIT's idle_cash signal
    (due ``wait_due``) left out over capacity by S02. Returns that day."""
    prev = D - dt.timedelta(days=1)
    write_previous_run(home, [dict(customer_id="TASK", staff_id=task_staff, rules="maturity",
                                   evidence=evidence("maturity", D + dt.timedelta(days=2)))])
    folder = home.runs_dir / prev.isoformat()
    sig = [dict(date=prev, customer_id="WAIT", rule="idle_cash", urgency=3, due_date=wait_due,
                evidence='{"as_of":"old"}', explanation="昨天的闲置资金")]
    pq.write_table(pa.Table.from_pylist(sig, schema=RESULT_TABLES["signals"]), folder / "signals.parquet")
    ex = [dict(date=prev, customer_id="WAIT", rule="idle_cash", staff_id="S02", reason_code="over_capacity", reason="x")]
    pq.write_table(pa.Table.from_pylist(ex, schema=RESULT_TABLES["excluded"]), folder / "excluded.parquet")
    return prev


def test_a_rule_that_fires_again_today_carries_todays_signal_only(world, duckdb_backend, home):
    previous_task_and_one_left_over(home, "S01", D + dt.timedelta(days=2))
    world.customer("TASK")
    world.customer("WAIT", remote_staff_id=None)
    world.signal("TASK", "maturity", 4, due_date=D + dt.timedelta(days=2), evidence={"holding_id": "H2"},
                 explanation="今天的到期")
    world.signal("WAIT", "idle_cash", 3, evidence={"as_of": "new"}, explanation="今天的闲置资金")
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    for cid, text in (("TASK", "今天的到期"), ("WAIT", "今天的闲置资金")):
        entries = json.loads(t[cid]["evidence"])
        assert len(entries) == 1 and entries[0]["explanation"] == text
        assert t[cid]["explanation"] == text and t[cid]["carried_over_from"] is None


def test_candidates_over_capacity_roll_over_while_still_valid(world, duckdb_backend, home):
    prev = D - dt.timedelta(days=1)
    write_previous_run(home, [])
    folder = home.runs_dir / prev.isoformat()
    sig = [dict(date=prev, customer_id=c, rule="maturity", urgency=4, due_date=due, evidence='{"holding_id":"H9"}',
                explanation=f"{c}到期") for c, due in (("WAIT", D + dt.timedelta(days=2)), ("GONE", prev),
                                                      ("CALLED", D + dt.timedelta(days=2)))]
    pq.write_table(pa.Table.from_pylist(sig, schema=RESULT_TABLES["signals"]), folder / "signals.parquet")
    ex = [dict(date=prev, customer_id=c, rule="maturity", staff_id="S02", reason_code=code, reason="x")
          for c, code in (("WAIT", "over_capacity"), ("GONE", "over_capacity"), ("CALLED", "over_capacity"))]
    pq.write_table(pa.Table.from_pylist(ex, schema=RESULT_TABLES["excluded"]), folder / "excluded.parquet")
    for cid in ("WAIT", "GONE", "CALLED"):
        world.customer(cid, remote_staff_id=None)
    world.contact("CALLED", prev, "reached")
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert set(t) == {"WAIT"}
    assert t["WAIT"]["carried_over_from"] == prev and t["WAIT"]["staff_id"] == "S02"
    assert t["WAIT"]["explanation"] == "WAIT到期"


def test_the_previous_run_read_beforehand_carries_over_the_same(world, duckdb_backend, home):
    # the daily run reads the previous run's files in a thread before the signals exist
    # (read_earlier_run); the tasks stage then gives what reading them itself gives
    from yuanwei.engine.tasks import load_tasks_config, read_earlier_run

    prev = previous_task_and_one_left_over(home, "S02", D + dt.timedelta(days=1))
    for cid in ("TASK", "WAIT"):
        world.customer(cid, remote_staff_id=None)
    earlier = read_earlier_run(home, D, prefetch=True)
    assert earlier.day == prev and earlier.over.num_rows == 1 and earlier.tasks.num_rows == 1
    read_here = world.build(duckdb_backend, home)
    read_before = world.build(duckdb_backend, home, earlier=earlier)
    assert read_before[0].equals(read_here[0]) and read_before[1].equals(read_here[1])
    t = world.by_customer(read_before[0])
    assert set(t) == {"TASK", "WAIT"} and t["WAIT"]["explanation"] == "昨天的闲置资金"
    assert {r["carried_over_from"] for r in t.values()} == {prev}
    # none read (no previous run): nothing carries over
    assert world.build(duckdb_backend, home, earlier=None)[0].num_rows == 0
    # read with other carry-over settings (none): read again with the run's own
    cfg = load_tasks_config(None)
    off = cfg.model_copy(update={"capacity": cfg.capacity.model_copy(update={"carry_over": False})})
    assert read_earlier_run(home, D, off) is None
    stale = read_earlier_run(home, D)
    stale.key, stale.tasks, stale.pairs = (False, 0), stale.tasks.slice(0, 0), stale.pairs.slice(0, 0)
    assert world.build(duckdb_backend, home, earlier=stale)[0].equals(read_here[0])


def test_done_means_a_contact_from_the_previous_runs_day_to_d_minus_1(world, duckdb_backend, home):
    # the profiles' latest contact says who was contacted since; a customer without a profile on D
    # (gone since) is asked of the contacts themselves
    prev = D - dt.timedelta(days=1)
    due = D + dt.timedelta(days=2)
    write_previous_run(home, [dict(customer_id=c, staff_id="S02", rules="maturity", evidence=evidence("maturity", due))
                              for c in ("BEFORE", "ON_PREV", "LATE_PREV", "GONE_CALLED", "GONE")])
    for cid in ("BEFORE", "ON_PREV", "LATE_PREV"):
        world.customer(cid, remote_staff_id=None)
    world.contact("BEFORE", prev - dt.timedelta(days=1), "reached", hour=23)   # before the task's day
    world.contact("ON_PREV", prev, "no_answer", hour=0)                          # any contact counts
    world.contact("LATE_PREV", prev, "reached", hour=23)
    world.contact("GONE_CALLED", prev, "reached")
    world.contact("GONE", prev - dt.timedelta(days=1), "reached")
    tasks, excluded = world.build(duckdb_backend, home)
    assert set(world.by_customer(tasks)) == {"BEFORE"}
    assert world.reasons(excluded) == {("GONE", "maturity"): "not_customer"}


def test_a_long_tail_beyond_its_branchs_room_keeps_the_best(world, duckdb_backend, home):
    # S01 and S02 of B01 have 30 each: the long tail's 60 best are tasks, the rest over capacity
    # (once the branch is full, every later one is), and another branch's tail still gets its RM
    world.rows["staff"].append(dict(world.rows["staff"][1], staff_id="S07", branch_id="B07"))
    many(world, 70, prefix="T", remote_staff_id=None)
    many(world, 3, prefix="O", remote_staff_id=None, branch_id="B07")
    tasks, excluded = world.build(duckdb_backend, home)
    per = {}
    for r in tasks.to_pylist():
        per[r["staff_id"]] = per.get(r["staff_id"], 0) + 1
    assert per == {"S01": 30, "S02": 30, "S07": 3}
    over = {r["customer_id"] for r in excluded.to_pylist() if r["reason_code"] == "over_capacity"}
    # the 14 urgency-1 customers tie on score; customer_id breaks the tie: the last 10 are left out
    assert over == {f"T{i:03d}" for i in range(20, 70, 5)}
