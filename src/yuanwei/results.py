"""The files at the boundary between the engine and the web app (DESIGN §2, §6).

A daily run for business date D writes one Parquet file per result table into
``<home>/runs/<D>/`` (atomically: a temp folder renamed into place). The web side *publishes* a run
by loading these files into the app DB; it never opens the warehouse. Both sides import the column
lists from here, so a column is named once.

Money columns are decimal128(18, 2); dates are date32; timestamps are Asia/Shanghai wall-clock
timestamps without zone (as in the warehouse).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

MONEY = pa.decimal128(18, 2)
DEC6 = pa.decimal128(18, 6)
S, D, TS, B, I, F = pa.string(), pa.date32(), pa.timestamp("us"), pa.bool_(), pa.int64(), pa.float64()

RESULT_TABLES: dict[str, pa.Schema] = {
    # one row per customer who is a customer on D: the contract profile plus the day's features
    "profiles": pa.schema([
        ("customer_id", S), ("name", S), ("gender", S), ("birth_date", D), ("age", I), ("phone", S),
        ("branch_id", S), ("opened_on", D), ("marketing_consent", B), ("do_not_call", B),
        ("do_not_disturb", B),  # a do_not_disturb contact outcome was ever recorded
        ("occupation", S), ("industry", S), ("employer_id", S), ("region", S),
        ("risk_level", S), ("risk_assessed_on", D), ("preferred_channel", S),
        ("tier", S),          # 大众 / 金卡 / 财富 / 钻石 / 私行 from avg30(D-1)
        ("persona", S),       # business_owner, retiree, homemaker, hk_mo_tw, salaried, active_trader, other
        ("familiarity", S),   # A / B / C
        ("aum", MONEY), ("current", MONEY), ("time_deposit", MONEY), ("investments", MONEY),
        ("balance_as_of", D), ("aum_avg30", MONEY),
        ("aum_trend30", F),   # aum / aum 30 days earlier - 1 (null when unknown)
        ("has_mobile_banking", B), ("has_credit_card", B), ("has_third_party_binding", B),
        ("has_investment", B), ("has_payroll", B),
        ("last_contact_at", TS), ("days_since_contact", I),
        ("owner_staff_id", S), ("remote_staff_id", S), ("advisor_staff_id", S),
    ]),
    "signals": pa.schema([
        ("date", D), ("customer_id", S), ("rule", S), ("urgency", I), ("due_date", D),
        ("evidence", S),      # canonical JSON: sorted keys, no spaces, money as strings "520000.00"
        ("explanation", S),   # one zh-CN line with the numbers
    ]),
    "tasks": pa.schema([
        ("date", D), ("staff_id", S), ("rank", I), ("customer_id", S),
        ("rules", S),         # ';'-separated rule ids
        ("purpose", S),       # service / care / marketing
        ("channel", S), ("offers", S),  # ';'-separated product_ids (or service codes for cross-sell)
        ("window", S),        # HH:MM-HH:MM
        ("score", F), ("urgency", F), ("value", F), ("propensity", F), ("levers", F),
        ("policy_notes", S), ("explanation", S), ("evidence", S), ("model_version", S),
        ("carried_over_from", D),
    ]),
    "excluded": pa.schema([
        ("date", D), ("customer_id", S), ("rule", S), ("staff_id", S),
        ("reason_code", S),   # machine-readable: no_consent, do_not_call, pressure_7d, …
        ("reason", S),        # zh-CN, e.g. 本周已联系 / 客户未授权营销 / 网点营销中：张三
    ]),
    "holdings": pa.schema([
        ("holding_id", S), ("customer_id", S), ("product_id", S), ("product_name", S), ("category", S),
        ("risk_rating", S), ("amount", MONEY), ("bought_on", D), ("matures_on", D), ("units", DEC6),
        ("cost_nav", DEC6), ("latest_nav", DEC6), ("market_value", MONEY), ("gain", MONEY),
    ]),
    # transactions of the last 90 days up to D-1
    "flows": pa.schema([
        ("txn_id", S), ("customer_id", S), ("account_id", S), ("booked_at", TS), ("amount", MONEY),
        ("kind", S), ("counterparty", S), ("channel", S),
    ]),
    # daily snapshots of the last 365 days up to D-1 (the AUM chart)
    "balances": pa.schema([
        ("customer_id", S), ("as_of", D), ("current", MONEY), ("time_deposit", MONEY),
        ("investments", MONEY), ("aum", MONEY),
    ]),
}

# The windows of the copied history files: a run of D holds the rows of D−days … D−1 (by the
# column named, a date or the day of a timestamp). A run carried from an earlier one writes such a
# file as a folder of parts (``<name>.parquet/part-*.parquet``): the earlier run's parts, hard-linked,
# and one part with the new days; readers keep the rows inside the window (``in_window``).
WINDOWS: dict[str, tuple[str, int]] = {"flows": ("booked_at", 90), "balances": ("as_of", 365)}
# The copied files a carried run writes as parts: those with a window, and the contacts, whose every
# day is kept (no window; the new part holds the contacts of the days since the earlier run).
HISTORY_PARTS: tuple[str, ...] = (*WINDOWS, "contacts")


def window_start(name: str, day) -> "dt.date":
    """The first day of a copied history file's window for a run of ``day``."""
    return day - dt.timedelta(days=WINDOWS[name][1])


def in_window(table: pa.Table, name: str, day) -> pa.Table:
    """The rows of a copied history file inside the window of the run of ``day`` (a file of parts may
    hold older rows: its earliest parts were linked from runs before)."""
    if name not in WINDOWS or not table.num_rows:
        return table
    import pyarrow.compute as pc

    column, _ = WINDOWS[name]
    values = table.column(column)
    start = window_start(name, day)
    low = pa.scalar(dt.datetime.combine(start, dt.time()), values.type) if pa.types.is_timestamp(values.type) \
        else pa.scalar(start, values.type)
    return table.filter(pc.fill_null(pc.greater_equal(values, low), False))


# Contract tables copied as they are (rows as of D-1) for the web side's reference data.
REFERENCE_TABLES = (
    "branches", "staff", "products", "relatives", "services", "assignments", "channel_plans",
    "contacts", "market", "news", "employers",
)


def run_dir_name(day) -> str:
    return day.isoformat()


def run_offsets(values) -> np.ndarray:
    """Where each run of equal values of a sorted column (Arrow, or a NumPy object array) starts,
    and its length at the end (n + 1 offsets for n runs; [0] for no values)."""
    import pyarrow.compute as pc

    if isinstance(values, np.ndarray):
        changed = values[1:] != values[:-1]
    else:
        changed = pc.not_equal(values[1:], values[:-1]).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(changed) + 1
    return np.concatenate([[0], starts, [len(values)]] if len(values) else [[0]]).astype(np.int64)


def sorted_by(table: pa.Table, keys) -> pa.Table:
    """``table`` sorted ascending by ``keys`` (NULLs last, as Arrow's ``sort_by``), without sorting
    when it already is: most results reach here in order (the profiles come sorted from their
    query, the signals from the signal stage), and sorting 1M profiles again took 1.3 s."""
    keys = list(keys)
    if table.num_rows < 2 or _in_order(table, keys):
        return table
    return table.sort_by([(k, "ascending") for k in keys])


def _in_order(table: pa.Table, keys: list[str]) -> bool:
    """Every row ≤ the next by ``keys`` (a column with NULLs: not known, so False)."""
    import pyarrow.compute as pc

    ordered = None   # per adjacent pair: strictly before on the keys compared so far, or equal
    equal = None
    for k in keys:
        col = table.column(k)
        if col.null_count:
            return False
        a, b = col.slice(0, len(col) - 1), col.slice(1)
        lt, eq = pc.less(a, b), pc.equal(a, b)
        if ordered is None:
            ordered, equal = lt, eq
        else:
            ordered = pc.or_(ordered, pc.and_(equal, lt))
            equal = pc.and_(equal, eq)
    return bool(pc.all(pc.or_(ordered, equal)).as_py())
