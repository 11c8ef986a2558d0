"""Contact policy at its boundaries (DESIGN §5), on DuckDB and Spark: one world, one run per backend.

Every customer below has an idle_cash signal (marketing); the expected outcome is in the table.
"""

from __future__ import annotations

import datetime as dt

from yuanwei.engine.tasks.config import load_tasks_config

D = dt.date(2026, 11, 30)


def ago(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


# customer → expected reason_code of its idle_cash candidate (None: it becomes a task)
EXPECTED = {
    "P7_IN": "pressure_7d",        # a contact exactly 7 days ago (D−7)
    "P7_OUT": None,                # 8 days ago: outside the week
    "P7_TODAY": None,              # a contact on D itself is not data yet for D's run
    "P30_4": "pressure_30d",       # 4 contacts in D−30…D−8 (first on D−30)
    "P30_3": None,                 # 3 in the window, the 4th on D−31
    "REF30": "refused_30d",        # a refusal on D−30
    "REF31": None,                 # a refusal on D−31
    "PLAN_ENDS_D": "other_channel",  # a branch plan valid_to = D still holds the customer
    "PLAN_ENDED": None,            # valid_to = D−1
    "PLAN_LATER": None,            # valid_from = D+1
    "PLAN_REMOTE": None,           # our own channel's plan does not block us
    "NO_CONSENT": "no_consent",
    "DNC": "do_not_call",
    "DND_OLD": "do_not_disturb",   # a do_not_disturb outcome 400 days ago: still no phone task
    "DND_PROFILE": "do_not_disturb",
    "OK": None,
}


def build_world(world):
    for cid in EXPECTED:
        kw = {}
        if cid == "NO_CONSENT":
            kw["marketing_consent"] = False
        if cid == "DNC":
            kw["do_not_call"] = True
        if cid == "DND_PROFILE":
            kw["do_not_disturb"] = True
        world.customer(cid, **kw)
        world.signal(cid, "idle_cash", 3)
    world.contact("P7_IN", ago(7), "no_answer")
    world.contact("P7_OUT", ago(8), "reached")
    world.contact("P7_TODAY", D, "reached")
    for n in (30, 20, 15, 8):
        world.contact("P30_4", ago(n), "no_answer")
    for n in (31, 20, 15, 8):
        world.contact("P30_3", ago(n), "no_answer")
    world.contact("REF30", ago(30), "refused")
    world.contact("REF31", ago(31), "refused")
    world.plan("PLAN_ENDS_D", valid_to=D)
    world.plan("PLAN_ENDED", valid_to=ago(1))
    world.plan("PLAN_LATER", valid_from=D + dt.timedelta(days=1))
    world.plan("PLAN_REMOTE", channel="remote", staff_id="S01")
    world.contact("DND_OLD", ago(400), "do_not_disturb")
    # care and service survive marketing blocks; a phone block stops them too
    for cid in ("NO_CONSENT", "P7_IN", "PLAN_ENDS_D", "DNC", "DND_OLD"):
        world.signal(cid, "birthday", 2, due_date=D + dt.timedelta(days=1))


def test_each_policy_rule_at_its_boundaries(world, backend, home):
    build_world(world)
    tasks, excluded = world.build(backend, home)
    got = world.reasons(excluded)
    assert {cid: got.get((cid, "idle_cash")) for cid in EXPECTED} == EXPECTED

    t = world.by_customer(tasks)
    assert set(t) == {c for c, why in EXPECTED.items() if why is None} | {"NO_CONSENT", "P7_IN", "PLAN_ENDS_D"}
    for cid in ("NO_CONSENT", "P7_IN", "PLAN_ENDS_D"):
        assert t[cid]["rules"] == "birthday" and t[cid]["purpose"] == "care" and t[cid]["offers"] == ""
    # the phone blocks take the care task too
    assert got[("DNC", "birthday")] == "do_not_call" and got[("DND_OLD", "birthday")] == "do_not_disturb"
    # zh-CN reasons as the RM reads them
    text = {(r["customer_id"], r["rule"]): r["reason"] for r in excluded.to_pylist()}
    assert text[("P7_IN", "idle_cash")] == "本周已联系"
    assert text[("NO_CONSENT", "idle_cash")] == "客户未授权营销"
    assert text[("PLAN_ENDS_D", "idle_cash")] == "网点营销中：张三"
    assert text[("DND_OLD", "idle_cash")] == "客户拒绝免打扰"
    assert text[("P30_4", "idle_cash")] == "近30天已联系4次"
    # the task list shows who holds the customer
    assert "网点营销中：张三" in t["PLAN_ENDS_D"]["policy_notes"]
    assert "客户未授权营销" in t["NO_CONSENT"]["policy_notes"]


def test_thresholds_are_configurable(world, duckdb_backend, home):
    build_world(world)
    cfg = load_tasks_config(None, {"policy": {"pressure_short_days": 6, "pressure_long_max": 5,
                                              "refusal_days": 31}})
    _, excluded = world.build(duckdb_backend, home, config=cfg)
    got = world.reasons(excluded)
    assert ("P7_IN", "idle_cash") not in got          # D−7 is outside a 6-day week
    assert ("P30_4", "idle_cash") not in got          # 4 < 5
    assert got[("REF31", "idle_cash")] == "refused_30d"  # D−31 inside a 31-day refusal window


def test_a_service_task_keeps_going_without_its_offers_when_marketing_is_blocked(world, duckdb_backend, home):
    world.customer("MAT", marketing_consent=False)
    world.holding("MAT", "WL2", matures_on=D + dt.timedelta(days=2))
    world.signal("MAT", "maturity", 4, due_date=D + dt.timedelta(days=2))
    world.customer("MAT_OK")
    world.holding("MAT_OK", "WL2", matures_on=D + dt.timedelta(days=2))
    world.signal("MAT_OK", "maturity", 4, due_date=D + dt.timedelta(days=2))
    tasks, excluded = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert t["MAT"]["purpose"] == "service" and t["MAT"]["offers"] == ""
    # with consent the reinvestment offer makes it a marketing call
    assert t["MAT_OK"]["purpose"] == "marketing" and t["MAT_OK"]["offers"].startswith("WL2")
    assert excluded.num_rows == 0


def test_a_pressured_customer_with_an_offer_becomes_a_service_call(world, duckdb_backend, home):
    world.customer("MAT")
    world.holding("MAT", "WL2", matures_on=D)
    world.signal("MAT", "maturity", 4)
    world.signal("MAT", "large_inflow", 3)
    world.contact("MAT", ago(2), "reached")
    tasks, excluded = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)["MAT"]
    assert (t["rules"], t["purpose"], t["offers"]) == ("maturity", "service", "")
    assert world.reasons(excluded) == {("MAT", "large_inflow"): "pressure_7d"}
