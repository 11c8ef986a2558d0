"""The UCI Bank Marketing converter (examples/uci_bank_marketing/convert.py) on slices of the real file."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = Path("/work/shared/data/uci-bank-marketing/bank-additional-full.csv")
spec = importlib.util.spec_from_file_location("uci_convert", ROOT / "examples/uci_bank_marketing/convert.py")
convert = importlib.util.module_from_spec(spec)
spec.loader.exec_module(convert)

needs_data = pytest.mark.skipif(not SRC.exists(), reason="UCI data not present")


def _slice(tmp_path, start, stop) -> Path:
    lines = SRC.read_text(encoding="utf-8").splitlines(keepends=True)
    f = tmp_path / "slice.csv"
    f.write_text(lines[0] + "".join(lines[1 + start:1 + stop]), encoding="utf-8")
    return f


@needs_data
def test_it_converts_a_slice_with_known_counts(tmp_path):
    # rows 24,000–25,999: Oct–Nov 2008, with earlier-campaign contacts (counts read off the source)
    out = tmp_path / "out"
    counts = convert.convert(_slice(tmp_path, 24_000, 26_000), out)
    assert counts["outcomes"] == 2000
    assert counts["prior_contacts"] == 1036 + 425  # sum(campaign − 1) + sum(previous)
    assert counts["contacts"] == 3461
    contacts = pd.read_csv(out / "contacts.csv", dtype=str, keep_default_na=False)
    final = contacts[contacts.contact_id.str.fullmatch(r"K\d{6}")]
    assert (final.outcome == "sold").sum() == 136
    assert set(final.outcome) == {"sold", "refused"}
    assert (final.product_id == "UCI-TD").all()
    earlier = contacts[contacts.contact_id.str.contains("-p")]
    # the last contact of an earlier campaign carries poutcome: 20 successes, 404 failures
    last = earlier[earlier.contact_id.str.endswith("-p1")]
    assert (last.outcome == "sold").sum() == 20 and (last.outcome == "refused").sum() == 404
    assert (earlier.product_id == "").all()
    attempts = contacts[contacts.contact_id.str.contains("-a")]
    assert (attempts.outcome == "no_answer").all() and len(attempts) == 1036


@needs_data
def test_it_keeps_age_order_and_drops_duration(tmp_path):
    out = tmp_path / "out"
    convert.convert(SRC, out, limit=3000)
    src = pd.read_csv(SRC, sep=";", nrows=3000)
    for f in out.glob("*.csv"):
        assert "duration" not in f.read_text(encoding="utf-8").splitlines()[0]
    cust = pd.read_csv(out / "customers.csv", dtype=str)
    contacts = pd.read_csv(out / "contacts.csv", dtype=str)
    final = contacts[contacts.contact_id.str.fullmatch(r"K\d{6}")].copy()
    final["n"] = final.contact_id.str[1:].astype(int)
    final = final.sort_values("n")
    at = pd.to_datetime(final["at"]).reset_index(drop=True)
    assert at.is_monotonic_increasing  # the source's time order is kept
    assert at.iloc[0].date() == dt.date(2008, 5, 5) and at.iloc[0].weekday() == 0  # first 'may','mon'
    birth = pd.to_datetime(cust["birth_date"])
    age = at.dt.year - birth.dt.year - ((at.dt.month * 100 + at.dt.day) < (birth.dt.month * 100 + birth.dt.day))
    assert (age.to_numpy() == src["age"].to_numpy()).all()
    assert (cust["phone"].str.fullmatch(r"1\d{10}").to_numpy() == (src["contact"] == "cellular").to_numpy()).all()


def test_dates_follow_month_weekday_and_order():
    month = ["may", "may", "may", "may", "jun", "dec", "mar"]
    wd = ["mon", "mon", "tue", "mon", "wed", "fri", "thu"]
    assert convert.derive_dates(pd.Series(month), pd.Series(wd)) == [
        dt.date(2008, 5, 5), dt.date(2008, 5, 5), dt.date(2008, 5, 6), dt.date(2008, 5, 12),
        dt.date(2008, 6, 4), dt.date(2008, 12, 5), dt.date(2009, 3, 5),  # dec → mar: a new year
    ]


def test_it_names_the_line_of_a_bad_value(tmp_path):
    f = tmp_path / "bad.csv"
    header = ";".join(f'"{c}"' for c in (*convert.SOURCE_COLUMNS[:9], "day_of_week", "duration",
                                         *convert.SOURCE_COLUMNS[10:]))
    row = '56;"housemaid";"married";"basic.4y";"no";"no";"no";"telephone";"may";"xyz";261;1;999;0;' \
          '"nonexistent";1.1;93.994;-36.4;4.857;5191;"no"'
    f.write_text(header + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(convert.ConvertError, match=r"line 2, column day_of_week"):
        convert.convert(f, tmp_path / "out")
