"""Call windows: best reach-rate hour from past calls, else persona and familiarity defaults."""

from __future__ import annotations

import datetime as dt

from yuanwei.engine.tasks.config import load_tasks_config
from yuanwei.engine.tasks.windows import default_window

D = dt.date(2026, 11, 30)
CFG = load_tasks_config(None).windows


def test_the_hour_with_the_best_reach_rate_wins(world, duckdb_backend, home):
    world.customer("EVE", familiarity="C")
    for n in range(1, 5):   # 19:xx: 3 of 4 reached; 10:xx: 1 of 4
        world.contact("EVE", D - dt.timedelta(days=3 * n), "reached" if n < 4 else "no_answer", hour=19)
        world.contact("EVE", D - dt.timedelta(days=3 * n + 1), "no_answer" if n < 4 else "reached", hour=10)
    world.signal("EVE", "birthday", 2)  # care: the recent calls do not block it
    world.customer("FEW", familiarity="A", persona="retiree")
    world.contact("FEW", D - dt.timedelta(days=2), "reached", hour=20)   # one call is not evidence
    world.signal("FEW", "birthday", 2)
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert t["EVE"]["window"] == "19:00-20:00"
    assert t["FEW"]["window"] == "09:30-10:30"


def test_unfamiliar_customers_get_one_of_the_two_default_windows_stably():
    got = {default_window(CFG, f"C{i:04d}", "retiree", "C") for i in range(50)}
    assert got == {"10:30-11:30", "14:30-15:30"}
    assert default_window(CFG, "C0001", None, None) == default_window(CFG, "C0001", "salaried", "C")


def test_familiar_customers_get_their_persona_window():
    assert default_window(CFG, "C1", "salaried", "B") == "12:00-13:00"
    assert default_window(CFG, "C1", "active_trader", "A") == "15:10-16:10"
    assert default_window(CFG, "C1", "unknown_persona", "A") == CFG.persona["other"]
