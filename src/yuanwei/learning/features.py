"""Features of a contact, computed from the contract tables *as of the contact's time* (no look-ahead).

A *point* is one (customer, moment) to describe: for training, each example contact at its ``at``;
for the daily run of D, each candidate at D 00:00 (so everything up to the end of D−1 counts).
Every feature uses only rows strictly before the point's moment (contacts, balances, market closes,
accounts, services, holdings, transactions). The expressions are Ibis, so the same code runs on the
DuckDB warehouse and on the Spark backend; as-of lookups are joins on time ranges plus aggregation
(never ``asof_join``), and the small per-piece results are assembled with pandas.

Examples: a contact is a training example when it reached the customer (outcome ≠ no_answer) and
carried an offer (``product_id`` set) — mode ``offers``. Unanswered attempts, care and service calls
are history only: the call-time model deals with reaching the customer, the propensity model with
the offer. Some extracts record the product only when the customer said yes; then the offers are
all positive and say nothing, and every answered contact is an example instead — mode ``answered``
(``choose_mode``; the mode is stored with the model and printed by ``yuanwei learn``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import numpy as np
import pandas as pd

POSITIVE = ("interested", "appointment", "sold")
SECONDS_PER_DAY = 86_400.0

CATEGORICAL = ("occupation", "region", "risk_level", "category", "channel", "last_answered_outcome")
NUMERIC = (
    # calendar
    "hour", "weekday", "month",
    # profile and holdings
    "age", "tenure_days", "phone_mobile", "marketing_consent", "has_spouse", "n_children",
    "n_accounts", "n_loans", "n_cards", "n_services", "n_basic_services",
    "aum", "aum_avg30", "n_holdings", "holdings_amount", "credits_30d", "debits_30d",
    # this customer's contacts before the point
    "n_prev", "n_prev_answered", "n_prev_positive", "n_prev_refused", "n_prev_no_answer",
    "n_prev_7d", "n_prev_30d", "n_prev_same_product", "days_since_prev", "days_since_answered",
    "days_since_positive", "days_since_first", "first_contact",
    # the bank's contact stream before the point's day: campaign intensity and recent outcome rates
    "g_days_since_active", "g_n_last_day", "g_rate_last_day", "g_n_7d", "g_rate_7d", "g_n_30d",
    "g_rate_30d", "g_answer_rate_7d", "g_rate_trend",
    # the same stream in the hours right before the point's moment
    *(f"s_{x}_{w}" for w in ("1h", "3h", "24h", "72h") for x in ("n", "ex", "rate")),
)
RECENT_WINDOWS = {"1h": 3_600, "3h": 3 * 3_600, "24h": 86_400, "72h": 3 * 86_400}


def _epoch_days(x) -> ibis.Value:
    return x.cast("timestamp").epoch_seconds() / SECONDS_PER_DAY


def _f(x) -> ibis.Value:
    return x.cast("float64")


MODES = ("offers", "answered")
MIN_NEGATIVE_OFFERS = 50  # fewer negative outcomes recorded with a product: offers say too little


def is_example(c: ibis.Table, mode: str = "offers") -> ibis.Value:
    answered = c.outcome != "no_answer"
    if mode == "answered":
        return answered
    return answered & c.product_id.notnull() & (c.product_id != "")


def choose_mode(tables: Mapping) -> str:
    """``offers`` when enough negative outcomes carry a product, else ``answered`` (see module doc)."""
    c = tables["contacts"]
    negatives = c.filter(is_example(c, "offers"), ~c.outcome.isin(POSITIVE)).count().execute()
    return "offers" if negatives >= MIN_NEGATIVE_OFFERS else "answered"


def example_contacts(tables: Mapping, mode: str = "offers") -> ibis.Table:
    """The propensity model's examples (see module doc)."""
    c = tables["contacts"]
    return c.filter(is_example(c, mode))


def training_points(tables: Mapping, mode: str = "offers") -> ibis.Table:
    """One point per example contact, at its own time, with the label (positive outcome)."""
    c = example_contacts(tables, mode)
    return c.select(
        point_id=c.contact_id, customer_id=c.customer_id, at=c.at, day=c.at_day,
        channel=c.channel,
        # in ``answered`` mode a recorded product would give the outcome away: the offer is unknown
        product_id=c.product_id if mode == "offers" else ibis.null("string"),
        label=c.outcome.isin(POSITIVE).cast("int8"),
    )


def run_points(day: dt.date, candidates: pd.DataFrame) -> pd.DataFrame:
    """Points for the daily run of ``day``: each candidate at ``day`` 00:00 (data up to D−1 end)."""
    midnight = pd.Timestamp(day)
    n = len(candidates)
    hour = candidates["hour"] if "hour" in candidates else pd.Series(10, index=candidates.index)
    return pd.DataFrame({
        "point_id": [str(i) for i in range(n)],
        "customer_id": candidates["customer_id"].astype(str).to_numpy(),
        "at": [midnight] * n,
        "day": [day] * n,
        "channel": (candidates["channel"] if "channel" in candidates else pd.Series("phone", index=candidates.index))
        .fillna("phone").astype(str).to_numpy(),
        "product_id": [None] * n,
        "category": (candidates["category"] if "category" in candidates else pd.Series("", index=candidates.index))
        .fillna("").astype(str).to_numpy(),
        "hour_planned": hour.fillna(10).astype(int).to_numpy(),
    })


def _profile(tables, p) -> ibis.Table:
    cu = tables["customers"]
    j = p.left_join(cu, p.customer_id == cu.customer_id)
    d, b = j.day, j.birth_date
    age = ((d.year() * 10000 + d.month() * 100 + d.day()) - (b.year() * 10000 + b.month() * 100 + b.day())) // 10000
    return j.select(
        "point_id",
        age=_f(age),
        tenure_days=_epoch_days(j.day) - _epoch_days(j.opened_on),
        phone_mobile=_f(j.phone.re_search(r"^(\+?86)?1[3-9][0-9]{9}$")),
        marketing_consent=_f(j.marketing_consent),
        occupation=j.occupation, region=j.region, risk_level=j.risk_level,
    )


def _relatives(tables, p) -> ibis.Table:
    r = tables["relatives"]
    agg = r.group_by("customer_id").aggregate(
        has_spouse=_f((r.relation == "spouse").any()),
        n_children=_f((r.relation == "child").sum()),
    )
    j = p.left_join(agg, p.customer_id == agg.customer_id)
    return j.select("point_id", has_spouse=j.has_spouse.fill_null(0.0), n_children=j.n_children.fill_null(0.0))


def _accounts(tables, p) -> ibis.Table:
    a = tables["accounts"]
    j = p.join(a, (p.customer_id == a.customer_id) & (a.opened_on < p.day)
               & (a.closed_on.isnull() | (a.closed_on >= p.day)))
    return j.group_by("point_id").aggregate(
        n_accounts=_f(j.count()), n_loans=_f((j.kind == "loan").sum()), n_cards=_f((j.kind == "card").sum()),
    )


def _services(tables, p) -> ibis.Table:
    s = tables["services"]
    j = p.join(s, (p.customer_id == s.customer_id) & (s.since < p.day))
    basic = ("mobile_banking", "credit_card", "third_party_binding", "investment")
    return j.group_by("point_id").aggregate(
        n_services=_f(j.count()), n_basic_services=_f(j.service.isin(basic).sum()),
    )


def _balances(tables, p) -> ibis.Table:
    b = tables["balances"]
    j = p.join(b, (p.customer_id == b.customer_id) & (b.as_of < p.day)
               & (b.as_of >= p.day - ibis.interval(days=31)))
    return j.group_by("point_id").aggregate(aum=_f(j.aum.argmax(j.as_of)), aum_avg30=_f(j.aum.mean()))


def _holdings(tables, p) -> ibis.Table:
    h = tables["holdings"]
    j = p.join(h, (p.customer_id == h.customer_id) & (h.bought_on < p.day)
               & (h.matures_on.isnull() | (h.matures_on >= p.day)))
    return j.group_by("point_id").aggregate(n_holdings=_f(j.count()), holdings_amount=_f(j.amount.sum()))


def _flows(tables, p) -> ibis.Table:
    t = tables["transactions"]
    j = p.join(t, (p.customer_id == t.customer_id) & (t.booked_at < p.at)
               & (t.booked_at_day >= p.day - ibis.interval(days=30)))
    credit = (j.amount > 0) & (j.kind != "interest")
    return j.group_by("point_id").aggregate(
        credits_30d=_f(j.amount.sum(where=credit)), debits_30d=_f(-j.amount.sum(where=j.amount < 0)),
    )


def _history(tables, p) -> ibis.Table:
    """This customer's contacts strictly before the point's moment."""
    c = tables["contacts"]
    j = p.join(c, (p.customer_id == c.customer_id) & (c.at < p.at), lname="", rname="{name}_c")
    age_days = _epoch_days(j.at) - _epoch_days(j.at_c)
    answered = j.outcome != "no_answer"
    positive = j.outcome.isin(POSITIVE)
    return j.group_by("point_id").aggregate(
        n_prev=_f(j.count()),
        n_prev_answered=_f(answered.sum()),
        n_prev_positive=_f(positive.sum()),
        n_prev_refused=_f(j.outcome.isin(("refused", "do_not_disturb")).sum()),
        n_prev_no_answer=_f((~answered).sum()),
        n_prev_7d=_f((age_days <= 7).sum()),
        n_prev_30d=_f((age_days <= 30).sum()),
        n_prev_same_product=_f((j.product_id_c.notnull() & (j.product_id_c == j.product_id)).sum()),
        days_since_prev=age_days.min(),
        days_since_answered=age_days.min(where=answered),
        days_since_positive=age_days.min(where=positive),
        last_answered_outcome=j.outcome.argmax(j.at_c, where=answered),
        days_since_first=age_days.max(),
    )


def _recent(tables, p, since, mode) -> ibis.Table:
    """Contacts, offers answered and positive outcomes in the 1/3/24/72 hours strictly before each
    point's moment, across all customers: one time-ordered stream of points and contacts, summed
    over range windows (points sort half a second early, so a contact at the same second is after)."""
    c = tables["contacts"]
    c = c.filter(c.at >= since)
    example = is_example(c, mode)
    zero = ibis.literal(0.0)
    pts = p.select(point_id=p.point_id, ts=p.at.epoch_seconds().cast("float64") - 0.5,
                   n=zero, ex=zero, pos=zero)
    evs = c.select(point_id=ibis.null("string"), ts=c.at.epoch_seconds().cast("float64"),
                   n=ibis.literal(1.0), ex=_f(example), pos=_f(c.outcome.isin(POSITIVE) & example))
    u = pts.union(evs)
    cols = {}
    for name, seconds in RECENT_WINDOWS.items():
        w = ibis.range_window(preceding=seconds, following=0, order_by=u.ts)
        cols[f"s_n_{name}"] = u.n.sum().over(w)
        cols[f"s_ex_{name}"] = u.ex.sum().over(w)
        cols[f"s_pos_{name}"] = u.pos.sum().over(w)
    m = u.mutate(**cols)
    return m.filter(m.point_id.notnull()).drop("ts", "n", "ex", "pos")


def _stream(tables, days, mode) -> ibis.Table:
    """The bank's whole contact stream in the 30 days before each point's day."""
    c = tables["contacts"]
    daily = c.group_by(c.at_day.name("d")).aggregate(
        n=_f(c.count()),
        n_ans=_f((c.outcome != "no_answer").sum()),
        # the rates are over examples: the same population the model predicts
        n_ex=_f(is_example(c, mode).sum()),
        n_pos=_f((c.outcome.isin(POSITIVE) & is_example(c, mode)).sum()),
    )
    j = days.join(daily, (daily.d < days.day) & (daily.d >= days.day - ibis.interval(days=30)))
    ago = _epoch_days(j.day) - _epoch_days(j.d)
    w7 = ago <= 7
    return j.group_by("day").aggregate(
        g_days_since_active=ago.min(),
        g_n_last_day=j.n.argmax(j.d),
        g_ex_last_day=j.n_ex.argmax(j.d),
        g_pos_last_day=j.n_pos.argmax(j.d),
        g_n_7d=j.n.sum(where=w7), g_ans_7d=j.n_ans.sum(where=w7),
        g_ex_7d=j.n_ex.sum(where=w7), g_pos_7d=j.n_pos.sum(where=w7),
        g_n_30d=j.n.sum(), g_ex_30d=j.n_ex.sum(), g_pos_30d=j.n_pos.sum(),
    )


def _market(tables, days) -> ibis.Table:
    """Per day and symbol: the last close before the day and the change over ~30 days."""
    m = tables["market"]
    j = days.join(m, (m.as_of < days.day) & (m.as_of >= days.day - ibis.interval(days=75)))
    old = j.as_of <= j.day - ibis.interval(days=30)
    return j.group_by(["day", "symbol"]).aggregate(
        last=_f(j.close.argmax(j.as_of)), before=_f(j.close.argmax(j.as_of, where=old)),
    )


def _exec(expr) -> pd.DataFrame:
    return expr.execute()


def build_features(tables: Mapping, points: ibis.Table, symbols: list[str] | None = None,
                   mode: str = "offers") -> pd.DataFrame:
    """One row per point (index ``point_id``) with the columns of ``CATEGORICAL`` + ``NUMERIC``
    and ``mkt_<symbol>`` / ``mkt_<symbol>_chg30`` per market symbol (all symbols seen, or ``symbols``)."""
    base = _exec(points)
    base = base.set_index("point_id")
    out = pd.DataFrame(index=base.index)
    at = pd.to_datetime(base["at"])
    out["hour"] = (base["hour_planned"] if "hour_planned" in base else at.dt.hour).astype(float)
    out["weekday"] = at.dt.weekday.astype(float)
    out["month"] = at.dt.month.astype(float)
    out["channel"] = base["channel"]
    if mode == "answered":
        out["category"] = None  # not known for the examples (see training_points): not used at all
    elif "category" in base:
        out["category"] = base["category"].replace("", None)
    else:
        pr = tables["products"].select("product_id", "category").execute()
        out["category"] = base["product_id"].map(dict(zip(pr.product_id, pr.category)))

    p = points.select("point_id", "customer_id", "at", "day", "product_id")
    for piece in (_profile, _relatives, _accounts, _services, _balances, _holdings, _flows, _history):
        df = _exec(piece(tables, p)).set_index("point_id")
        out = out.join(df, how="left")

    first = pd.to_datetime(base["at"]).min()
    if pd.notna(first):
        since = (first - pd.Timedelta(seconds=max(RECENT_WINDOWS.values()) + 1)).to_pydatetime()
        r = _exec(_recent(tables, p, since, mode)).set_index("point_id")
        for name in RECENT_WINDOWS:
            with np.errstate(divide="ignore", invalid="ignore"):
                r[f"s_rate_{name}"] = r[f"s_pos_{name}"] / r[f"s_ex_{name}"]
        out = out.join(r[[f"s_{x}_{w}" for w in RECENT_WINDOWS for x in ("n", "ex", "rate")]], how="left")

    days = p.select("day").distinct()
    g = _exec(_stream(tables, days, mode))
    g["day"] = pd.to_datetime(g["day"])
    with np.errstate(divide="ignore", invalid="ignore"):
        g["g_rate_last_day"] = g.g_pos_last_day / g.g_ex_last_day
        g["g_rate_7d"] = g.g_pos_7d / g.g_ex_7d
        g["g_rate_30d"] = g.g_pos_30d / g.g_ex_30d
        g["g_answer_rate_7d"] = g.g_ans_7d / g.g_n_7d
        g["g_rate_trend"] = g.g_rate_7d - g.g_rate_30d
    keep = ["g_days_since_active", "g_n_last_day", "g_rate_last_day", "g_n_7d", "g_rate_7d", "g_n_30d",
            "g_rate_30d", "g_answer_rate_7d", "g_rate_trend"]
    day_key = pd.to_datetime(base["day"])
    out = out.join(g.set_index("day")[keep].reindex(day_key.to_numpy()).set_index(base.index))

    m = _exec(_market(tables, days))
    if symbols is None:
        symbols = sorted(m["symbol"].unique()) if len(m) else []
    m["day"] = pd.to_datetime(m["day"])
    m["chg30"] = m["last"] - m["before"]
    for s in symbols:
        ms = m[m.symbol == s].set_index("day")
        out[f"mkt_{s}"] = ms["last"].reindex(day_key.to_numpy()).to_numpy()
        out[f"mkt_{s}_chg30"] = ms["chg30"].reindex(day_key.to_numpy()).to_numpy()

    zero_when_none = ("n_accounts", "n_loans", "n_cards", "n_services", "n_basic_services", "n_holdings",
                      "holdings_amount", "n_prev", "n_prev_answered", "n_prev_positive", "n_prev_refused",
                      "n_prev_no_answer", "n_prev_7d", "n_prev_30d", "n_prev_same_product", "g_n_7d", "g_n_30d")
    for col in zero_when_none:
        out[col] = out[col].fillna(0.0)
    out["first_contact"] = (out["n_prev"] == 0).astype(float)
    for col in CATEGORICAL:
        out[col] = out[col].astype("object").where(out[col].notna(), None)
    if "label" in base:
        out["label"] = base["label"].astype(int)
        out["at"] = at
    return out


def feature_columns(symbols: list[str]) -> list[str]:
    return [*CATEGORICAL, *NUMERIC, *(f"mkt_{s}{suffix}" for s in symbols for suffix in ("", "_chg30"))]
