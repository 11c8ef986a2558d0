"""``results.sorted_by``: a table already in order comes back as it is (no sort), any other is sorted
exactly as Arrow's ``sort_by`` sorts it."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest

from yuanwei.results import sorted_by


def _table(rows):
    return pa.table({"a": pa.array([r[0] for r in rows], pa.string()),
                     "b": pa.array([r[1] for r in rows], pa.date32()),
                     "c": pa.array([r[2] for r in rows], pa.int64())})


def test_rows_in_order_come_back_unsorted():
    day = dt.date(2026, 11, 28)
    rows = sorted((f"C{i % 7}", day + dt.timedelta(days=i % 3), i % 2) for i in range(50))
    t = _table(rows)
    assert sorted_by(t, ["a", "b", "c"]) is t


@pytest.mark.parametrize("seed", range(20))
def test_rows_out_of_order_are_sorted_as_sort_by_sorts_them(seed):
    rnd = random.Random(seed)
    day = dt.date(2026, 11, 28)
    rows = sorted((f"C{rnd.randint(0, 4)}", day + dt.timedelta(days=rnd.randint(0, 2)), rnd.randint(0, 2))
                  for _ in range(30))
    i = rnd.randrange(len(rows) - 1)
    rows[i], rows[i + 1] = rows[i + 1], rows[i]   # one pair swapped: in order only if they tie
    t = _table(rows)
    want = t.sort_by([(k, "ascending") for k in ("a", "b", "c")])
    got = sorted_by(t, ["a", "b", "c"])
    assert got.equals(want)
    assert (got is t) == (rows[i] == rows[i + 1])


def test_a_later_key_out_of_order_within_equal_earlier_keys_is_sorted():
    t = _table([("A", dt.date(2026, 1, 2), 1), ("A", dt.date(2026, 1, 1), 9), ("B", dt.date(2025, 1, 1), 0)])
    assert sorted_by(t, ["a", "b"])["b"].to_pylist() == [dt.date(2026, 1, 1), dt.date(2026, 1, 2),
                                                          dt.date(2025, 1, 1)]
    assert sorted_by(t, ["a"]) is t   # in order by "a" alone


def test_nulls_go_last_as_sort_by_puts_them():
    t = _table([(None, None, 1), ("A", None, 2)])
    assert sorted_by(t, ["a"])["a"].to_pylist() == ["A", None]
