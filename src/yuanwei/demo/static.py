"""The bank-wide tables: branches, staff, employers, products, nav, market, news.

They do not depend on which customers exist, so they are built once, before the customer chunks,
and the chunks draw from them (a customer's branch, remote RM, employer, products held).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from yuanwei.demo import vocab
from yuanwei.demo.writer import NULL_DAY, NULL_INT, Scaled

EPOCH = dt.date(1970, 1, 1)
CUSTOMERS_PER_REMOTE_RM = 300
TEAM_SIZE = 8
SHOCK_RETURN = -0.0321  # SSE_COMPOSITE's last close vs the one before: a market_shock day


def epoch_day(d: dt.date) -> int:
    return (d - EPOCH).days


def to_date(e: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(e))


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """An independent generator per (seed, stream): adding or reordering streams changes nothing else."""
    return np.random.default_rng([seed, *stream])


def weekdays(first: int, last: int) -> np.ndarray:
    """Epoch days in first..last that are Monday–Friday (1970-01-01 was a Thursday)."""
    days = np.arange(first, last + 1, dtype=np.int32)
    return days[((days + 3) % 7) < 5]


def person_names(rng: np.random.Generator, n: int, female: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(surname index, full names): weighted surnames, one or two given characters by gender."""
    sn = np.array([s for s, _ in vocab.SURNAMES])
    sw = np.array([w for _, w in vocab.SURNAMES])
    si = rng.choice(len(sn), size=n, p=sw / sw.sum())
    male_chars = np.array(vocab.GIVEN_MALE + vocab.GIVEN_NEUTRAL)
    female_chars = np.array(vocab.GIVEN_FEMALE + vocab.GIVEN_NEUTRAL)
    g1m = male_chars[rng.integers(0, len(male_chars), n)]
    g1f = female_chars[rng.integers(0, len(female_chars), n)]
    g2m = male_chars[rng.integers(0, len(male_chars), n)]
    g2f = female_chars[rng.integers(0, len(female_chars), n)]
    two = rng.random(n) < 0.72  # most given names have two characters
    g1 = np.where(female, g1f, g1m)
    g2 = np.where(two, np.where(female, g2f, g2m), "")
    names = np.char.add(np.char.add(sn[si], g1), g2)
    return si, names.tolist()


@dataclass
class Bank:
    """What the customer chunks need to know about the bank-wide tables."""

    end: int                 # epoch day of the last business day in the data (D−1)
    start: int               # first day of transactions
    branch_ids: list[str]
    branch_weights: np.ndarray
    district: list[str]
    # per branch: staff indices by role (indices into staff_ids)
    remote_by_branch: list[np.ndarray]
    rm_by_branch: list[np.ndarray]
    advisor_by_branch: list[np.ndarray]
    staff_ids: np.ndarray
    employer_ids: np.ndarray
    employer_names: np.ndarray
    employer_industry: np.ndarray
    employer_payroll: np.ndarray
    employer_weights: np.ndarray
    employer_payday: np.ndarray
    product_ids: np.ndarray
    product_category: np.ndarray
    product_risk: np.ndarray      # 1..5
    product_term: np.ndarray      # days, 0 when open-ended
    product_min: np.ndarray       # fen
    product_on_sale: np.ndarray   # on sale on D = end + 1
    product_start: np.ndarray     # sale_start, epoch day
    nav_days: np.ndarray          # trading days with a nav
    nav: np.ndarray               # [product, nav_day] nav ×10^4 (0 for products without nav)
    volatile_fund: int            # product index whose last five navs moved ≥ 5%
    market_days: np.ndarray

    def latest_nav(self, p: int) -> int:
        return int(self.nav[p, -1])

    def nav_on(self, p: np.ndarray, day: np.ndarray) -> np.ndarray:
        """nav ×10^4 of products p on the latest trading day ≤ day (the first one when before)."""
        j = np.searchsorted(self.nav_days, day, side="right") - 1
        return self.nav[p, np.clip(j, 0, len(self.nav_days) - 1)]


def build_bank(seed: int, customers: int, days: int, end: dt.date, emit) -> Bank:
    """Builds and emits (via ``emit(table, columns)``) the bank-wide tables; returns what chunks need."""
    e_end = epoch_day(end)
    e_start = e_end - days + 1
    bank_rng = rng_for(seed, 0, 0)

    # --- branches: one city, a parent branch and sub-branches by district
    n_sub = int(min(len(vocab.DISTRICTS), max(3, customers // 2000)))
    districts = [d for d, _ in vocab.DISTRICTS[:n_sub]]
    weights = np.array([w for _, w in vocab.DISTRICTS[:n_sub]])
    weights = weights / weights.sum()
    branch_ids = [f"CD{i:03d}" for i in range(1, n_sub + 1)]
    emit("branches", {
        "branch_id": ["CD000", *branch_ids],
        "name": [vocab.PARENT_BRANCH, *[f"{d}支行" for d in districts]],
        "parent_id": [None, *["CD000"] * n_sub],
        "city": [vocab.CITY] * (n_sub + 1),
    })

    # --- staff: per branch a head, remote teams (lead first), then rm / wealth_advisor / lobby
    rng = rng_for(seed, 0, 1)
    rows: list[tuple[str, str, str | None, int]] = []  # role, branch, team, capacity
    remote_by_branch, rm_by_branch, advisor_by_branch = [], [], []
    cn_num = "一二三四五六七八九十"
    for b, (bid, dname) in enumerate(zip(branch_ids, districts)):
        expected = customers * weights[b]
        n_remote = max(1, int(round(expected / CUSTOMERS_PER_REMOTE_RM)))
        n_teams = -(-n_remote // TEAM_SIZE)
        rows.append(("branch_head", bid, None, NULL_INT))
        remote_idx = []
        for t in range(n_teams):
            team = f"{dname}远维{cn_num[t] if t < 10 else t + 1}组"
            rows.append(("team_lead", bid, team, 10))
            size = n_remote // n_teams + (1 if t < n_remote % n_teams else 0)
            for _ in range(size):
                remote_idx.append(len(rows))
                rows.append(("remote_rm", bid, team, int(rng.choice([25, 30, 30, 30, 35]))))
        rm_idx = []
        for _ in range(max(1, int(round(expected / 4000)))):
            rm_idx.append(len(rows))
            rows.append(("rm", bid, None, 20))
        adv_idx = []
        for _ in range(max(1, int(round(expected / 10000)))):
            adv_idx.append(len(rows))
            rows.append(("wealth_advisor", bid, None, 15))
        rows.append(("lobby", bid, None, NULL_INT))
        remote_by_branch.append(np.array(remote_idx))
        rm_by_branch.append(np.array(rm_idx))
        advisor_by_branch.append(np.array(adv_idx))
    rows.append(("admin", "CD000", None, NULL_INT))
    n_staff = len(rows)
    staff_ids = np.array([f"S{i + 1:04d}" for i in range(n_staff)])
    female = rng.random(n_staff) < 0.55
    _, staff_names = person_names(rng, n_staff, female)
    role = [r[0] for r in rows]
    # tenure in days: remote teams are younger; about a fifth joined within the last year
    tenure = np.where(np.array([r in ("remote_rm", "lobby") for r in role]),
                      rng.gamma(1.6, 500, n_staff), rng.gamma(3.0, 900, n_staff)).astype(np.int64) + 30
    emit("staff", {
        "staff_id": staff_ids.tolist(), "name": staff_names, "role": role,
        "branch_id": [r[1] for r in rows], "team": [r[2] for r in rows],
        "hired_on": (e_end - tenure).astype(np.int32),
        "daily_capacity": np.array([r[3] for r in rows], dtype=np.int64),
    })

    # --- employers: a few big ones hold many of the bank's customers; some pay salaries elsewhere
    rng = rng_for(seed, 0, 2)
    n_emp = int(min(2000, max(20, customers // 60)))
    combos = len(vocab.EMPLOYER_PREFIX) * len(vocab.EMPLOYER_CORE) * len(vocab.EMPLOYER_KIND)
    pick = rng.choice(combos, size=n_emp, replace=False)
    kinds = pick % len(vocab.EMPLOYER_KIND)
    core = (pick // len(vocab.EMPLOYER_KIND)) % len(vocab.EMPLOYER_CORE)
    pre = pick // (len(vocab.EMPLOYER_KIND) * len(vocab.EMPLOYER_CORE))
    emp_names = np.array([vocab.EMPLOYER_PREFIX[p] + vocab.EMPLOYER_CORE[c] + vocab.EMPLOYER_KIND[k][0]
                          for p, c, k in zip(pre, core, kinds)])
    emp_industry = np.array([vocab.EMPLOYER_KIND[k][1] for k in kinds])
    emp_w = 1.0 / np.arange(1, n_emp + 1) ** 0.9  # Zipf-like: employer 1 is the biggest
    emp_w /= emp_w.sum()
    payroll = rng.random(n_emp) < 0.65
    # the big employers alternate: payroll with the bank, or a payroll prospect
    top = min(n_emp, 12)
    payroll[:top] = np.arange(top) % 3 != 1
    emp_ids = np.array([f"E{i + 1:05d}" for i in range(n_emp)])
    headcount = (emp_w * customers * 0.4 * rng.uniform(3, 12, n_emp)).astype(np.int64) + 20
    emit("employers", {
        "employer_id": emp_ids.tolist(), "name": emp_names.tolist(), "industry": emp_industry.tolist(),
        "headcount": headcount, "payroll_with_bank": payroll,
    })
    payday = rng.choice(np.array([5, 10, 15, 25]), size=n_emp)

    # --- market closes on trading days, with a ≥ 3% move on the last one (market_shock)
    rng = rng_for(seed, 0, 3)
    mdays = weekdays(e_start - 14, e_end)
    nm = len(mdays)
    sse_ret = rng.normal(0.0003, 0.010, nm)
    sse_ret[-1] = SHOCK_RETURN
    closes = {
        "SSE_COMPOSITE": 3350.0 * np.exp(np.cumsum(sse_ret) - np.sum(sse_ret)),
        "GOLD_AU9999": np.exp(np.cumsum(rng.normal(0.0006, 0.009, nm))),
        "BRENT": np.exp(np.cumsum(rng.normal(-0.0002, 0.018, nm))),
    }
    closes["GOLD_AU9999"] *= 615.0 / closes["GOLD_AU9999"][-1]
    closes["BRENT"] *= 74.0 / closes["BRENT"][-1]
    close_fen = {k: np.round(v * 100).astype(np.int64) for k, v in closes.items()}
    sse = close_fen["SSE_COMPOSITE"]
    assert abs(sse[-1] / sse[-2] - 1) >= 0.03
    emit("market", {
        "as_of": np.tile(mdays, 3).astype(np.int32),
        "symbol": ["SSE_COMPOSITE"] * nm + ["GOLD_AU9999"] * nm + ["BRENT"] * nm,
        "close": Scaled(np.concatenate([close_fen[s] for s in ("SSE_COMPOSITE", "GOLD_AU9999", "BRENT")]), 2),
    })

    # --- products of every category and rating, with closed and future sale windows
    rng = rng_for(seed, 0, 4)
    p_ids, p_names, p_cat, p_risk, p_min, p_start, p_end, p_term, p_ret, p_status = ([] for _ in range(10))
    for cat, (names, risks, terms, (r_lo, r_hi)) in vocab.PRODUCT_TEMPLATES.items():
        for j, name in enumerate(names):
            state = "on_sale"
            if cat in ("wealth", "certificate", "bond", "insurance") and len(names) > 2:
                state = {1: "closed", 2: "future"}.get(j % 5, "on_sale") if j else "on_sale"
            risk = int(risks[j % len(risks)][1])
            term = int(terms[j % len(terms)]) if terms else 0
            if cat == "fund":
                name = f"{vocab.FUND_HOUSES[j % len(vocab.FUND_HOUSES)]}{name}"
            elif cat == "wealth":
                name = f"{name}{j + 1}号" + (f"({term}天)" if term else "")
            start = e_end - int(rng.integers(400, 2000))  # long-running series: held positions fit in
            stop = NULL_DAY
            if state == "closed":
                stop = e_end - int(rng.integers(1, 30))
            elif state == "future":
                start = e_end + int(rng.integers(3, 20))
                stop = start + 14
            elif cat in ("wealth", "certificate", "bond"):
                stop = e_end + int(rng.integers(5, 40))
            ret = np.nan if cat in ("fund", "gold") else round(float(rng.uniform(r_lo, r_hi)), 4)
            mins = {"wealth": 1_000_000, "fund": 1_000, "insurance": 1_000_000, "time_deposit": 5_000,
                    "gold": 100, "bond": 10_000, "certificate": 20_000_000}
            p_ids.append(f"{vocab.CATEGORY_CODE[cat]}{len([c for c in p_cat if c == cat]) + 1:04d}")
            p_names.append(name)
            p_cat.append(cat)
            p_risk.append(risk)
            p_min.append(mins[cat])
            p_start.append(start)
            p_end.append(stop)
            p_term.append(term)
            p_ret.append(ret)
            p_status.append("closed" if state == "closed" else "on_sale")
    p_start_a = np.array(p_start, dtype=np.int32)
    p_end_a = np.array(p_end, dtype=np.int32)
    d = e_end + 1
    on_sale = (p_start_a <= d) & ((p_end_a == NULL_DAY) | (p_end_a >= d)) & (np.array(p_status) == "on_sale")
    emit("products", {
        "product_id": p_ids, "name": p_names, "category": p_cat,
        "risk_rating": [f"R{r}" for r in p_risk], "min_amount": np.array(p_min, dtype=np.int64),
        "sale_start": p_start_a, "sale_end": p_end_a,
        "term_days": np.array([t if t else NULL_INT for t in p_term], dtype=np.int64),
        "expected_return": np.array(p_ret, dtype=np.float64),
        "status": p_status,
    })

    # --- nav: funds follow the index by their risk, net-value wealth products creep up
    rng = rng_for(seed, 0, 5)
    cat_a = np.array(p_cat)
    risk_a = np.array(p_risk)
    nav_days = mdays[mdays >= e_start]
    n_days = len(nav_days)
    idx_ret = sse_ret[-n_days:]
    nav = np.zeros((len(p_ids), n_days), dtype=np.int64)
    has_nav = (cat_a == "fund") | (cat_a == "wealth")
    beta = {1: 0.0, 2: 0.05, 3: 0.5, 4: 0.85, 5: 1.1}
    vol = {1: 0.0, 2: 0.0008, 3: 0.004, 4: 0.006, 5: 0.009}
    funds = np.flatnonzero(cat_a == "fund")
    volatile = int(funds[np.argmax(risk_a[funds])])  # the highest-risk fund: a thematic one
    for p in np.flatnonzero(has_nav):
        r = risk_a[p]
        if cat_a[p] == "wealth":
            ret = np.full(n_days, 0.03 / 250) + rng.normal(0, 0.0002, n_days)
        else:
            ret = 0.0002 + beta[r] * idx_ret + rng.normal(0, vol[r], n_days)
            if r == 1:
                ret = np.full(n_days, 0.0)  # money-market fund: nav stays at 1
        if p == volatile:
            ret[-4:] = [0.021, 0.019, 0.024, 0.012]  # a theme rally this week: n4/n0 − 1 ≈ 7.8%
        level = rng.uniform(0.9, 2.6) if r > 1 else 1.0
        series = level * np.exp(np.cumsum(ret) - np.sum(ret[:1]))
        nav[p] = np.round(series * 10_000).astype(np.int64)
    nav_rows = np.flatnonzero(has_nav)
    emit("nav", {
        "product_id": np.repeat(np.array(p_ids)[nav_rows], n_days).tolist(),
        "as_of": np.tile(nav_days, len(nav_rows)).astype(np.int32),
        "nav": Scaled(nav[nav_rows].ravel(), 4),
    })

    # --- news: about five one-line headlines a day over the last month
    rng = rng_for(seed, 0, 6)
    published, sources, titles, summaries = [], [], [], []
    mpos = {int(day): i for i, day in enumerate(mdays)}
    for day in range(e_end - 29, e_end + 1):
        picks = rng.choice(len(vocab.NEWS_GENERAL), size=3, replace=False)
        items = [(vocab.NEWS_GENERAL[k], None, int(rng.integers(7 * 3600, 22 * 3600))) for k in picks]
        i = mpos.get(day)
        if i is not None and i > 0:
            s0, s1 = sse[i - 1], sse[i]
            pct = (s1 / s0 - 1) * 100
            fmt = {"dir": "收涨" if pct >= 0 else "收跌", "pct_abs": f"{abs(pct):.2f}",
                   "idx": f"{s1 / 100:.2f}", "gold": f"{close_fen['GOLD_AU9999'][i] / 100:.2f}",
                   "oil": f"{close_fen['BRENT'][i] / 100:.2f}"}
            items.append((vocab.NEWS_MARKET[0].format(**fmt), "A股收盘速览", 15 * 3600 + 5 * 60))
            items.append((vocab.NEWS_MARKET[int(rng.integers(1, 3))].format(**fmt), None, 16 * 3600 + 1800))
        for title, summary, sec in items:
            published.append(day * 86400 + sec)
            sources.append(vocab.NEWS_SOURCES[int(rng.integers(len(vocab.NEWS_SOURCES)))])
            titles.append(title)
            summaries.append(summary)
    emit("news", {"published_at": np.array(published, dtype=np.int64), "source": sources,
                  "title": titles, "summary": summaries})

    return Bank(
        end=e_end, start=e_start, branch_ids=branch_ids, branch_weights=weights, district=districts,
        remote_by_branch=remote_by_branch, rm_by_branch=rm_by_branch, advisor_by_branch=advisor_by_branch,
        staff_ids=staff_ids, employer_ids=emp_ids, employer_names=emp_names, employer_industry=emp_industry,
        employer_payroll=payroll, employer_weights=emp_w, employer_payday=payday,
        product_ids=np.array(p_ids), product_category=cat_a, product_risk=risk_a,
        product_term=np.array(p_term), product_min=np.array(p_min, dtype=np.int64), product_on_sale=on_sale,
        product_start=p_start_a.astype(np.int64),
        nav_days=nav_days, nav=nav, volatile_fund=volatile, market_days=mdays,
    )
