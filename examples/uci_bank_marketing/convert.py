"""Convert the UCI Bank Marketing contacts into a yuanwei data-contract folder.

    python examples/uci_bank_marketing/convert.py SRC OUT [--limit N]

SRC is ``bank-additional-full.csv`` (``;``-separated, 41,188 rows in time order, May 2008 – Nov 2010);
OUT receives branches, staff, customers, relatives, accounts, products, market and contacts as CSV,
ready for ``yuanwei ingest OUT``. Every choice is documented in README.md next to this file; in short:

- one row = one customer and the *last* contact of the current campaign (the labelled contact):
  outcome ``sold`` when y = yes, else ``refused``; it offers the term-deposit product ``UCI-TD``;
- dates: the rows carry month and weekday but no year or day; walking the rows in order, the year
  advances when the month goes back (dec → mar), and each new run of a weekday moves to the next
  date with that weekday in the month; the rows of one day are called 45 s apart from 09:00, in row order;
- ``campaign − 1`` earlier attempts of the current campaign, one a working day on the days before, outcome
  ``no_answer`` (the campaign went on, so none of them decided it), same product;
- ``previous`` contacts of an earlier campaign: the last one ``pdays`` days before (180 days when pdays
  is 999), outcome ``sold`` / ``refused`` from poutcome, the others ``no_answer`` a week apart before it;
  no product (the earlier campaign's product is not in the data);
- the five economic indicators as ``market`` series, one close per symbol and day;
- ``duration`` is known only after a call and is dropped here: it never reaches the warehouse.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
FIRST_YEAR = 2008
BRANCH_ID = "UCI-PT"
STAFF_ID = "UCI-CC01"
PRODUCT_ID = "UCI-TD"
OPENED_ON = dt.date(2005, 1, 1)  # not in the source; any date before May 2008
PDAYS_UNKNOWN_DAYS = 180         # previous > 0 with pdays = 999: the earlier campaign is further back
DAY_START_S, CALL_SPACING_S = 9 * 3600, 45

INDICATORS = {  # source column -> market symbol
    "emp.var.rate": "EMP_VAR_RATE",
    "cons.price.idx": "CONS_PRICE_IDX",
    "cons.conf.idx": "CONS_CONF_IDX",
    "euribor3m": "EURIBOR3M",
    "nr.employed": "NR_EMPLOYED",
}
SOURCE_COLUMNS = (
    "age", "job", "marital", "education", "default", "housing", "loan", "contact", "month",
    "day_of_week", "campaign", "pdays", "previous", "poutcome", *INDICATORS, "y",
)


class ConvertError(Exception):
    pass


def read_source(src: Path, limit: int | None = None) -> pd.DataFrame:
    df = pd.read_csv(src, sep=";", nrows=limit)
    missing = [c for c in SOURCE_COLUMNS if c not in df.columns]
    if missing:
        raise ConvertError(f"{src}: missing column(s) {', '.join(missing)} / 缺少列")
    for col in ("month", "day_of_week"):
        bad = ~df[col].isin(MONTHS if col == "month" else WEEKDAYS)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ConvertError(f"{src}: line {i + 2}, column {col}: unknown value {df[col].iloc[i]!r}")
    return df.drop(columns=["duration"], errors="ignore")  # known only after the call: never an input


def derive_dates(month: pd.Series, weekday: pd.Series, first_year: int = FIRST_YEAR) -> list[dt.date]:
    """One calendar date per row from (month, weekday) and row order (see module doc)."""
    out: list[dt.date] = []
    year, prev_month, cur, prev_wd = first_year, None, None, None
    for m_name, wd_name in zip(month, weekday):
        m, wd = MONTHS[m_name], WEEKDAYS[wd_name]
        if prev_month is not None and m < prev_month:
            year += 1
        if m != prev_month:
            cur, prev_wd = dt.date(year, m, 1) - dt.timedelta(days=1), None
        if wd != prev_wd:  # a new day: the next date with this weekday, kept inside the month
            nxt = cur + dt.timedelta(days=(wd - cur.weekday() - 1) % 7 + 1)
            if nxt.month == m:
                cur = nxt
            # else: more weekday runs than the month holds; stay on the last date (rare, documented)
        out.append(cur)
        prev_month, prev_wd = m, wd
    return out


def _times(dates: list[dt.date]) -> pd.Series:
    """The k-th row of a day (k = 0, 1, …) is called at 09:00 + k × 45 s.

    The spacing is fixed on purpose: spreading a day's rows over the whole day would make each
    row's time depend on how many rows come *later* that day (a look-ahead through the timestamp).
    The busiest day (822 rows) ends at 19:16."""
    d = pd.Series(pd.to_datetime(dates))
    pos = d.groupby(d).cumcount().to_numpy()
    return d + pd.to_timedelta(DAY_START_S + pos * CALL_SPACING_S, unit="s")


def _working_days_before(at: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The same time of day, ``j`` working days (Mon–Fri, like every row of the source) earlier."""
    day = at.astype("datetime64[D]")
    earlier = np.busday_offset(day, -j, roll="backward")
    return earlier.astype("datetime64[ns]") + (at - day.astype("datetime64[ns]"))


def _fmt_ts(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%Y-%m-%dT%H:%M:%S")


def convert(src: Path, out: Path, limit: int | None = None) -> dict[str, int]:
    df = read_source(src, limit)
    n = len(df)
    out.mkdir(parents=True, exist_ok=True)
    dates = derive_dates(df["month"], df["day_of_week"])
    at = _times(dates)
    cid = pd.Series([f"U{i:06d}" for i in range(1, n + 1)])
    rng = np.random.default_rng(20081)  # fixed: reruns give the same files

    # customers: age at the contact is kept exactly; the birthday within the year is spread
    age = df["age"].astype(int).to_numpy()
    birth = [
        (dt.date(d.year - a, d.month, min(d.day, 28)) - dt.timedelta(days=int(k)))
        for d, a, k in zip(dates, age, rng.integers(0, 360, n))
    ]
    mobile = df["contact"].eq("cellular").to_numpy()
    nums = rng.integers(0, 10**8, n)
    phone = [f"139{x:08d}" if m else f"010-6{x % 10**7:07d}" for m, x in zip(mobile, nums)]
    customers = pd.DataFrame({
        "customer_id": cid,
        "name": [f"客户{i:06d}" for i in range(1, n + 1)],
        "gender": np.where(np.arange(n) % 2 == 0, "F", "M"),  # not in the source: placeholder
        "birth_date": birth,
        "phone": phone,
        "branch_id": BRANCH_ID,
        "opened_on": OPENED_ON,
        "marketing_consent": "true",
        "occupation": df["job"].where(df["job"] != "unknown", ""),
        "region": "foreign",
    })

    relatives = pd.DataFrame({
        "customer_id": cid[df["marital"].eq("married")],
        "relation": "spouse", "name": "配偶",
        "birth_date": pd.Series(birth)[df["marital"].eq("married")],
    })

    acc = [pd.DataFrame({"account_id": "A" + cid.str[1:] + "-1", "customer_id": cid, "kind": "current",
                         "opened_on": OPENED_ON})]
    for col, suffix in (("housing", "H"), ("loan", "L")):
        has = df[col].eq("yes")
        acc.append(pd.DataFrame({"account_id": "A" + cid[has].str[1:] + "-" + suffix,
                                 "customer_id": cid[has], "kind": "loan", "opened_on": OPENED_ON}))
    accounts = pd.concat(acc, ignore_index=True)

    # contacts: the labelled last contact of the campaign
    final = pd.DataFrame({
        "contact_id": "K" + cid.str[1:], "customer_id": cid, "staff_id": STAFF_ID, "at": at,
        "channel": "phone", "outcome": np.where(df["y"].eq("yes"), "sold", "refused"),
        "product_id": PRODUCT_ID, "note": "",
    })
    # earlier attempts in this campaign: one a working day on the days before, same time of day
    k = (df["campaign"].astype(int) - 1).clip(lower=0).to_numpy()
    rows = np.repeat(np.arange(n), k)
    j = np.concatenate([np.arange(1, x + 1) for x in k]) if k.sum() else np.array([], int)
    attempts = pd.DataFrame({
        "contact_id": "K" + cid.str[1:].to_numpy()[rows] + "-a" + j.astype(str),
        "customer_id": cid.to_numpy()[rows], "staff_id": STAFF_ID,
        "at": _working_days_before(at.to_numpy()[rows], j),
        "channel": "phone", "outcome": "no_answer", "product_id": PRODUCT_ID, "note": "",
    })
    # contacts of an earlier campaign
    p = df["previous"].astype(int).to_numpy()
    pdays = df["pdays"].astype(int).to_numpy()
    gap = np.where(pdays == 999, PDAYS_UNKNOWN_DAYS, pdays)
    rows = np.repeat(np.arange(n), p)
    j = np.concatenate([np.arange(x) for x in p]) if p.sum() else np.array([], int)  # 0 = the last one
    last_outcome = np.where(df["poutcome"].eq("success"), "sold", "refused")
    earlier = pd.DataFrame({
        "contact_id": "K" + cid.str[1:].to_numpy()[rows] + "-p" + (j + 1).astype(str),
        "customer_id": cid.to_numpy()[rows], "staff_id": STAFF_ID,
        "at": at.to_numpy()[rows] - pd.to_timedelta(gap[rows] + 7 * j, unit="D")
              - pd.to_timedelta(np.where(gap[rows] == 0, 60, 0), unit="min"),
        "channel": "phone",
        "outcome": np.where(j == 0, last_outcome[rows], "no_answer"),
        "product_id": "", "note": "",
    })
    contacts = pd.concat([final, attempts, earlier], ignore_index=True).sort_values(["at", "contact_id"])
    contacts["at"] = _fmt_ts(contacts["at"])

    # market: one close per indicator and day (the value of the day's first row)
    day = pd.Series([d.isoformat() for d in dates])
    market = (
        pd.concat({INDICATORS[c]: df[c] for c in INDICATORS}, names=["symbol", "row"]).rename("close")
        .reset_index().assign(as_of=lambda m: day.to_numpy()[m["row"].to_numpy()])
        .drop_duplicates(["symbol", "as_of"])[["as_of", "symbol", "close"]]
    )

    tables = {
        "branches": pd.DataFrame({"branch_id": [BRANCH_ID], "name": ["UCI 葡萄牙电话营销中心"], "city": ["Lisbon"]}),
        "staff": pd.DataFrame({"staff_id": [STAFF_ID], "name": ["电话营销组"], "role": ["remote_rm"],
                               "branch_id": [BRANCH_ID], "hired_on": [OPENED_ON], "daily_capacity": [1000]}),
        "customers": customers,
        "relatives": relatives,
        "accounts": accounts,
        "products": pd.DataFrame({"product_id": [PRODUCT_ID], "name": ["定期存款（UCI）"], "category": ["time_deposit"],
                                  "risk_rating": ["R1"], "min_amount": ["0.00"], "sale_start": [OPENED_ON],
                                  "status": ["on_sale"]}),
        "market": market,
        "contacts": contacts,
    }
    counts = {}
    for name, t in tables.items():
        t.to_csv(out / f"{name}.csv", index=False, encoding="utf-8")
        counts[name] = len(t)
    counts["outcomes"] = int(len(final))
    counts["prior_contacts"] = int(len(attempts) + len(earlier))
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="bank-additional-full.csv")
    ap.add_argument("out", type=Path, help="output folder (data contract CSVs)")
    ap.add_argument("--limit", type=int, default=None, help="convert only the first N rows")
    args = ap.parse_args(argv)
    if not args.src.is_file():
        print(f"{args.src}: no such file / 文件不存在", file=sys.stderr)
        return 2
    try:
        counts = convert(args.src, args.out, args.limit)
    except ConvertError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(" ".join(f"{k}={v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
