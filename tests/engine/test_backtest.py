"""yuanwei backtest: replays days honestly, never touches published runs, compares rules."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _bank import DAY, bank_rows, write_bank
from yuanwei.engine.backtest import backtest, day_metrics, scratch_root
from yuanwei.errors import UsageError
from yuanwei.paths import Home
from yuanwei.results import RESULT_TABLES

D1, D2 = DAY - dt.timedelta(days=3), DAY - dt.timedelta(days=2)


def with_outcomes(rows):
    """Outcomes after D1: every even-numbered customer sells on D1+6 (the last day of D1's window and
    the last contact of the warehouse); odd ones are reached on D1+2 (not positive) or had an
    appointment on D1−1 (before the task)."""
    for n in range(1, 61):
        cid = f"C{n:04d}"
        day, outcome = ((D1 + dt.timedelta(days=6), "sold") if n % 2 == 0 else
                        (D1 + dt.timedelta(days=2), "reached") if n % 4 == 1 else
                        (D1 - dt.timedelta(days=1), "appointment"))
        rows["contacts"].append(dict(contact_id=f"KB{cid}", customer_id=cid, staff_id="S01",
                                     at=dt.datetime.combine(day, dt.time(15, 0)), channel="phone", outcome=outcome))
    return rows


@pytest.fixture(scope="module")
def bank_file(tmp_path_factory):
    home = Home(tmp_path_factory.mktemp("btbank")).ensure()
    write_bank(home, with_outcomes(bank_rows()))
    return home.warehouse


@pytest.fixture
def bank(home, bank_file):
    shutil.copy(bank_file, home.warehouse)
    return home


def read(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_it_reports_tasks_signals_blocks_and_hits_per_day(bank, tmp_path):
    published = bank.runs_dir / D1.isoformat()
    published.mkdir(parents=True)
    (published / "tasks.parquet").write_bytes(b"the user's published run")
    out = tmp_path / "bt.csv"
    backtest(bank, D1, D2, out)
    rows = read(out)
    assert list(rows[0]) == ["variant", "date", "metric", "key", "value"]
    assert {r["date"] for r in rows} == {D1.isoformat(), D2.isoformat()}
    # the published runs are untouched; the replay lives in its scratch folder
    assert (published / "tasks.parquet").read_bytes() == b"the user's published run"
    assert not (bank.runs_dir / D2.isoformat()).exists()
    scratch = scratch_root(bank, D1, D2) / "current" / "runs"
    for day in (D1, D2):
        tasks = pq.read_table(scratch / day.isoformat() / "tasks.parquet")
        mine = {(r["metric"], r["key"]): float(r["value"]) for r in rows if r["date"] == day.isoformat()}
        assert mine[("tasks", "all")] == tasks.num_rows > 0
        assert sum(v for (m, _), v in mine.items() if m == "tasks_per_rm") == tasks.num_rows
        signals = pq.read_table(scratch / day.isoformat() / "signals.parquet")
        assert sum(v for (m, _), v in mine.items() if m == "signals") == len(
            {(r["customer_id"], r["rule"]) for r in signals.to_pylist()})
        assert all(0 < v <= 1 for (m, _), v in mine.items() if m == "blocked_share")
    # on real signals: a task cites only rules its customer has today, or carries yesterday's task
    for day in (D1, D2):
        folder = scratch / day.isoformat()
        fired = {}
        for r in pq.read_table(folder / "signals.parquet").to_pylist():
            fired.setdefault(r["customer_id"], set()).add(r["rule"])
        before = {r["customer_id"]: set(r["rules"].split(";")) for r in
                  pq.read_table(scratch / D1.isoformat() / "tasks.parquet").to_pylist()} if day == D2 else {}
        for t in pq.read_table(folder / "tasks.parquet").to_pylist():
            allowed = fired.get(t["customer_id"], set()) | before.get(t["customer_id"], set())
            assert set(t["rules"].split(";")) <= allowed, t
            assert t["carried_over_from"] in (None, D1)
    # the warehouse has contacts up to D1+6: D1's window D1…D1+6 is complete, D2's is not
    d1 = {(r["metric"], r["key"]): float(r["value"]) for r in rows if r["date"] == D1.isoformat()}
    assert ("hit_rate", "tasks") in d1 and ("hit_rate", "excluded") in d1
    assert not any(r["metric"].startswith("hit") for r in rows if r["date"] == D2.isoformat())
    tasked = set(pq.read_table(scratch / D1.isoformat() / "tasks.parquet").column("customer_id").to_pylist())
    positives = {f"C{n:04d}" for n in range(2, 61, 2)}
    assert d1[("hits", "tasks")] == len(tasked & positives) > 0
    assert d1[("hit_rate", "tasks")] == pytest.approx(len(tasked & positives) / len(tasked), abs=1e-6)


def test_each_day_sees_only_data_up_to_the_day_before(bank, tmp_path):
    backtest(bank, D1, D1, tmp_path / "a.csv")
    cut = Home(tmp_path / "cut").ensure()   # the warehouse as it was at the end of D1−1
    write_bank(cut, with_outcomes(bank_rows()), cutoff=D1 - dt.timedelta(days=1))
    backtest(cut, D1, D1, tmp_path / "b.csv")
    for name in ("signals", "tasks", "excluded"):
        a = pq.read_table(scratch_root(bank, D1, D1) / "current" / "runs" / D1.isoformat() / f"{name}.parquet")
        b = pq.read_table(scratch_root(cut, D1, D1) / "current" / "runs" / D1.isoformat() / f"{name}.parquet")
        assert a.equals(b), name


def test_a_proposed_rules_file_is_replayed_beside_the_current_rules(bank, tmp_path):
    proposed = tmp_path / "proposed.yaml"
    proposed.write_text("tasks:\n  policy:\n    pressure_short_max: 3\n", encoding="utf-8")
    out = tmp_path / "bt.csv"
    backtest(bank, D1, D1, out, rules=proposed)
    rows = read(out)
    got = {(r["variant"], r["metric"], r["key"]): float(r["value"]) for r in rows}
    assert {r["variant"] for r in rows} == {"current", "proposed"}
    assert got[("current", "blocked_share", "pressure_7d")] > got.get(("proposed", "blocked_share", "pressure_7d"), 0)
    assert got[("proposed", "tasks", "all")] > got[("current", "tasks", "all")]
    assert got[("proposed", "signals", "idle_cash")] == got[("current", "signals", "idle_cash")]


def test_bad_arguments_are_usage_errors(bank, tmp_path):
    with pytest.raises(UsageError, match="before"):
        backtest(bank, D2, D1, tmp_path / "x.csv")
    with pytest.raises(UsageError, match="does not exist"):
        backtest(bank, D1, D1, tmp_path / "x.csv", rules=tmp_path / "nope.yaml")


def test_hits_count_positive_outcomes_in_d_to_d_plus_6_only(duckdb_backend):
    day = dt.date(2026, 11, 30)
    contacts = [
        dict(contact_id="1", customer_id="A", staff_id="S01", at=dt.datetime(2026, 12, 6, 23, 59), channel="phone",
             outcome="sold"),           # D+6, late evening: a hit
        dict(contact_id="2", customer_id="B", staff_id="S01", at=dt.datetime(2026, 12, 7, 0, 1), channel="phone",
             outcome="interested"),     # D+7: too late
        dict(contact_id="3", customer_id="C", staff_id="S01", at=dt.datetime(2026, 11, 30, 9, 0), channel="phone",
             outcome="reached"),        # reached is not a positive outcome
        dict(contact_id="4", customer_id="D", staff_id="S01", at=dt.datetime(2026, 11, 29, 9, 0), channel="phone",
             outcome="appointment"),    # D−1: before the task
        dict(contact_id="5", customer_id="E", staff_id="S01", at=dt.datetime(2026, 11, 30, 9, 0), channel="phone",
             outcome="appointment"),    # excluded customer with a positive outcome
    ]
    raw = duckdb_backend.tables(contacts=contacts)
    tasks = pa.Table.from_pylist([{"date": day, "staff_id": "S01", "rank": i + 1, "customer_id": c, "rules": "aum_drop"}
                                  for i, c in enumerate("ABCD")], schema=RESULT_TABLES["tasks"])
    signals = pa.Table.from_pylist([{"date": day, "customer_id": c, "rule": "aum_drop"} for c in "ABCDE"],
                                   schema=RESULT_TABLES["signals"])
    excluded = pa.Table.from_pylist([{"date": day, "customer_id": "E", "rule": "aum_drop",
                                      "reason_code": "pressure_7d", "reason": "本周已联系"}],
                                    schema=RESULT_TABLES["excluded"])
    got = {(m, k): v for m, k, v in day_metrics(raw, day, signals, tasks, excluded, day + dt.timedelta(days=6))}
    assert got[("hits", "tasks")] == 1 and got[("hit_rate", "tasks")] == 0.25
    assert got[("hits", "excluded")] == 1 and got[("hit_rate", "excluded")] == 1.0
    assert got[("blocked_share", "pressure_7d")] == 0.2 and got[("signals", "aum_drop")] == 5
    # without contacts up to D+6 there is no hit rate yet
    later = day_metrics(raw, day, signals, tasks, excluded, day + dt.timedelta(days=5))
    assert not [m for m, _, _ in later if m.startswith("hit")]


def test_the_command_line_writes_the_report(bank, tmp_path):
    from click.testing import CliRunner

    from yuanwei.cli import main

    out = tmp_path / "bt.csv"
    result = CliRunner().invoke(main, ["--home", str(bank.root), "backtest", "--from", D1.isoformat(),
                                       "--to", D1.isoformat(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "回测 / backtest [current]" in result.output
    assert read(out)[0]["metric"] == "tasks"
