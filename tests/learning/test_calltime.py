"""Call windows follow the hours at which customers were reached."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from yuanwei.learning.calltime import LearnedCallTime, bank_rates, reach_counts


def _contacts(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "at", "outcome"])
    df["at"] = pd.to_datetime(df["at"])
    df["contact_id"] = [f"K{i}" for i in range(len(df))]
    df["channel"] = "phone"
    return ibis.memtable(df)


def _planted():
    rows = []
    # A: 19:00–19:40 reached, mornings and afternoons unanswered, over six weeks
    for d in range(1, 43, 3):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=d)
        rows += [("A", f"{day} 10:15", "no_answer"), ("A", f"{day} 14:40", "no_answer"),
                 ("A", f"{day} 19:{(d * 7) % 40:02d}", "reached")]
    # a retiree group reached at 15:xx, never at 10:xx; R1 has a single unanswered morning call
    for i in range(30):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=i)
        rows += [(f"G{i}", f"{day} 15:20", "interested"), (f"G{i}", f"{day} 10:05", "no_answer")]
    rows.append(("R1", "2026-10-01 10:30", "no_answer"))
    # a contact on the run day itself must not count
    rows.append(("B", "2026-10-20 09:10", "reached"))
    return _contacts(rows)


def test_a_customer_reached_around_19_gets_a_window_around_19():
    contacts = _planted()
    model = LearnedCallTime("ct-test", bank_rates(reach_counts(contacts).execute()))
    customers = pd.DataFrame({
        "customer_id": ["A", "R1", "NEW", "B"],
        "persona": ["salaried", "retiree", "retiree", "salaried"],
        "familiarity": ["B", "C", "C", "C"],
    }, index=[10, 11, 12, 13])
    groups = pd.DataFrame({"customer_id": [f"G{i}" for i in range(30)], "persona": "retiree", "familiarity": "C"},
                          index=range(100, 130))
    w = model.windows({"contacts": contacts}, dt.date(2026, 10, 20), pd.concat([customers, groups]))
    assert w.loc[10] == "19:00-20:00"
    # one unanswered call says little: R1 takes its retiree group's hour
    assert w.loc[11] == "15:00-16:00"
    # never called before D: no opinion, the caller uses the persona default
    assert w.loc[12] is None and w.loc[13] is None


def test_reach_is_shrunk_toward_the_group_when_history_is_thin():
    contacts = _planted()
    model = LearnedCallTime("ct-test", bank_rates(reach_counts(contacts).execute()))
    counts = reach_counts(contacts).execute()
    people = pd.DataFrame({"customer_id": ["R1", "G0", "A"], "persona": ["retiree", "retiree", "salaried"],
                           "familiarity": ["C", "C", "B"]})
    groups = pd.DataFrame({"customer_id": [f"G{i}" for i in range(1, 30)], "persona": "retiree", "familiarity": "C"})
    table = model.reach_table(counts, pd.concat([people, groups]), weekday=1)
    assert table.loc["R1", 15] > table.loc["R1", 10]
    assert 0.3 < table.loc["A", 19] <= 1 and table.loc["A", 10] < 0.3
