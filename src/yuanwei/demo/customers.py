"""Customers and everything about them, generated one chunk of customers at a time.

Each chunk draws from its own generator (seed, chunk number), so chunking never changes the
data and a chunk needs no state from the ones before it except the running row-id counters.

Money is handled in fen (int64) throughout, days as epoch days, times as local seconds.
Balances are derived from the data rather than drawn: ``current`` follows the day's
transactions, ``time_deposit`` and ``investments`` are the holdings open that day, so
current + time_deposit + investments = aum holds exactly.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yuanwei.contract.schema import TRANSACTION_KINDS
from yuanwei.demo import vocab
from yuanwei.demo.plant import QUIET_DAYS, Plants
from yuanwei.demo.static import Bank, person_names, rng_for
from yuanwei.demo.writer import NULL_DAY, Scaled

CHUNK = 20_000
BALANCE_DAYS = 60
YUAN = 100  # fen
TIER_BOUNDS = np.array([5_000_000, 50_000_000, 500_000_000, 1_000_000_000])  # fen: 金卡, 财富, 钻石, 私行
CATEGORIES = ("wealth", "fund", "insurance", "time_deposit", "gold", "bond", "certificate")
DEPOSIT_LIKE = ("time_deposit", "certificate")
KIND = {k: i for i, k in enumerate(TRANSACTION_KINDS)}
SALARIED, RETIREE, HOMEMAKER, TRADER, BUSINESS, HKMOTW = range(6)
NEVER = np.int64(10**7)  # a day after any matures_on: open-ended holdings

# counterparty and channel vocabularies; employer names and product names are appended per bank
MERCHANTS = ("美团", "京东商城", "淘宝", "盒马鲜生", "伊藤洋华堂", "中国石化", "国家电网", "成都地铁",
             "华西医院", "滴滴出行", "王府井百货", "红旗连锁", "星巴克", "携程旅行", "拼多多", "中国移动")
FIXED_CP = ("成都市社会保险事业管理局", "家庭转账", "他行账户", "房租", "信用卡还款", "香港汇丰银行",
            "澳门大西洋银行", "台湾银行", "客户往来款", "货款", "短信服务费", "账户结息", "开户存入",
            "他行工资转入")
CP = {name: len(MERCHANTS) + i for i, name in enumerate(FIXED_CP)}
CHANNELS = ("代发", "POS", "快捷支付", "ATM", "柜面", "手机银行", "网上银行", "系统")
CH = {c: i for i, c in enumerate(CHANNELS)}


def tier_of(aum_fen: np.ndarray) -> np.ndarray:
    """0 大众, 1 金卡, 2 财富, 3 钻石, 4 私行 (DESIGN §4)."""
    return np.searchsorted(TIER_BOUNDS, aum_fen, side="right")


def ids(prefix: str, numbers: np.ndarray, width: int, suffix: str = "") -> pa.Array:
    """Readable string ids built in Arrow: ids("C", [7], 8) -> "C00000007"."""
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, pa.scalar(suffix), "")


class Txns:
    """Accumulates transaction parts (arrays) before they are concatenated and sorted."""

    def __init__(self):
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, cust, day, sec, amount, kind, cp, ch):
        n = len(cust)
        if n == 0:
            return
        b = lambda v, dt: np.broadcast_to(np.asarray(v, dtype=dt), (n,))  # noqa: E731
        self.parts.append((b(cust, np.int64), b(day, np.int64), b(sec, np.int64), b(amount, np.int64),
                           b(kind, np.int8), b(cp, np.int32), b(ch, np.int8)))

    def arrays(self):
        if not self.parts:
            return [np.zeros(0, dtype=t) for t in (np.int64,) * 4 + (np.int8, np.int32, np.int8)]
        return [np.concatenate([p[i] for p in self.parts]) for i in range(7)]


def lognormal_mean1(rng, sigma, n):
    return rng.lognormal(-sigma * sigma / 2, sigma, n)


def generate_chunk(bank: Bank, plants: Plants, seed: int, chunk: int, lo: int, hi: int,
                   counters: dict[str, int]) -> dict[str, dict]:
    """All customer-level tables for customers lo..hi−1 (0-based), as writer columns."""
    rng = rng_for(seed, 1, chunk)
    n = hi - lo
    gi = np.arange(lo, hi)
    E, start = bank.end, bank.start
    ix = np.arange(n)
    variant, inst = plants.of(gi)
    planted = variant >= 0
    V = plants.code

    # ---------------------------------------------------------------- customers
    persona = rng.choice(6, n, p=vocab.PERSONA_WEIGHTS)
    persona[variant == V["payroll_stopped"]] = SALARIED
    age_lo = np.array([22, 58, 28, 25, 28, 25])[persona]
    age_hi = np.array([58, 90, 60, 65, 65, 75])[persona]
    age = rng.integers(age_lo, age_hi + 1)
    birth = E + 1 - (age * 365.25).astype(np.int64) - rng.integers(1, 365, n)
    female = rng.random(n) < np.where(persona == HOMEMAKER, 0.85, 0.5)
    surname, names = person_names(rng, n, female)

    tier_p = np.array([
        [0.66, 0.27, 0.062, 0.006, 0.002],   # salaried
        [0.52, 0.38, 0.09, 0.007, 0.003],    # retiree
        [0.62, 0.30, 0.07, 0.007, 0.003],    # homemaker
        [0.42, 0.42, 0.14, 0.015, 0.005],    # active trader
        [0.33, 0.40, 0.22, 0.035, 0.015],    # business owner
        [0.38, 0.40, 0.18, 0.03, 0.01],      # hk/mo/tw
    ])
    tier = (rng.random(n)[:, None] > np.cumsum(tier_p[persona], axis=1)).sum(axis=1).clip(0, 4)
    lo_b = np.array([200, 50_000, 500_000, 5_000_000, 10_000_000], dtype=float)[tier]
    hi_b = np.array([50_000, 500_000, 5_000_000, 10_000_000, 30_000_000], dtype=float)[tier]
    aum = np.exp(rng.uniform(np.log(lo_b), np.log(hi_b))) * YUAN
    share = np.array([0.35, 0.2, 0.4, 0.12, 0.5, 0.4])[persona] * rng.uniform(0.6, 1.4, n)
    share = np.where(tier == 0, np.maximum(share, 0.6), share).clip(0.05, 0.98)
    c_base = np.round(aum * share).astype(np.int64)
    budget = np.round(aum).astype(np.int64) - c_base

    u = rng.random(n)
    opened = E - (rng.uniform(1.05, 20, n) * 365).astype(np.int64)
    recent = u < 0.14
    opened[recent] = E - rng.integers(7, max(8, E - start), recent.sum())
    very_new = u > 0.993
    opened[very_new] = E - rng.integers(0, 7, very_new.sum())
    opened = np.maximum(opened, birth + 18 * 366)
    opened = np.minimum(opened, E)
    opened = np.where(planted, np.minimum(opened, E - 400), opened)
    is_new = variant == V["new_customer"]
    opened[is_new] = E - inst[is_new] % 7
    first = np.maximum(opened, start)

    region = np.full(n, "mainland", dtype=object)
    hk = persona == HKMOTW
    region[hk] = rng.choice(np.array(["hk", "mo", "tw"], dtype=object), hk.sum(), p=[0.5, 0.2, 0.3])
    region[(~hk) & (rng.random(n) < 0.003)] = "foreign"
    consent = rng.random(n) < 0.92
    dnc = rng.random(n) < 0.03

    risk_p = np.array([
        [0.10, 0.30, 0.40, 0.15, 0.05], [0.22, 0.42, 0.27, 0.07, 0.02], [0.12, 0.38, 0.38, 0.10, 0.02],
        [0.00, 0.05, 0.25, 0.40, 0.30], [0.05, 0.20, 0.40, 0.25, 0.10], [0.08, 0.25, 0.40, 0.20, 0.07],
    ])
    risk = (rng.random(n)[:, None] > np.cumsum(risk_p[persona], axis=1)).sum(axis=1).clip(0, 4) + 1
    has_risk = rng.random(n) > 0.08
    assessed = np.where(rng.random(n) < 0.78, E - rng.integers(0, 365, n), E - rng.integers(365, 900, n))
    assessed = np.maximum(assessed, opened)
    soon, expired_h = variant == V["risk_expiring_soon"], variant == V["risk_expired_holding"]
    assessed[soon] = E + 1 - 365 + inst[soon] % 15
    assessed[expired_h] = E - 375 - inst[expired_h] % 200
    has_risk |= soon | expired_h
    risk[soon | expired_h] = 3
    risk_eff = np.where(has_risk, risk, 2)  # what products a customer could have bought

    has_emp = (persona == SALARIED) | ((persona == TRADER) & (rng.random(n) < 0.3)) | (hk & (rng.random(n) < 0.2))
    emp = np.where(has_emp, rng.choice(len(bank.employer_ids), n, p=bank.employer_weights), -1)
    stopped = variant == V["payroll_stopped"]
    payroll_emps = np.flatnonzero(bank.employer_payroll)
    fix = stopped & ((emp < 0) | ~bank.employer_payroll[np.maximum(emp, 0)])
    emp[fix] = payroll_emps[rng.integers(0, len(payroll_emps), fix.sum())]
    has_emp |= stopped
    industry = np.where(has_emp, bank.employer_industry[np.maximum(emp, 0)],
                        np.array(vocab.INDUSTRIES, dtype=object)[rng.integers(0, len(vocab.INDUSTRIES), n)])
    industry = np.where(np.isin(persona, [RETIREE, HOMEMAKER]), None, industry)
    occupation = np.empty(n, dtype=object)
    for p, name in enumerate(vocab.PERSONAS):
        m = persona == p
        occupation[m] = np.array(vocab.OCCUPATIONS[name], dtype=object)[rng.integers(0, len(vocab.OCCUPATIONS[name]), m.sum())]
    occupation[(persona == HOMEMAKER) & ~female] = "家庭主夫"
    pref = np.where(age >= 60, rng.choice(np.array(["phone", "branch", "wechat"], dtype=object), n, p=[0.6, 0.3, 0.1]),
                    np.where(age < 40, rng.choice(np.array(["wechat", "phone", "sms"], dtype=object), n, p=[0.55, 0.35, 0.1]),
                             rng.choice(np.array(["phone", "wechat", "sms"], dtype=object), n, p=[0.5, 0.4, 0.1])))
    phone_prefix = np.array(vocab.PHONE_PREFIXES)[rng.integers(0, len(vocab.PHONE_PREFIXES), n)]
    phone = pc.binary_join_element_wise(pa.array(phone_prefix), pc.utf8_lpad(
        pa.array(rng.integers(0, 10**8, n)).cast(pa.string()), 8, "0"), "")
    branch = rng.choice(len(bank.branch_ids), n, p=bank.branch_weights)

    # birthdays planted on D, D+1, D+2 (29 Feb when D..D+2 holds a non-leap 28 Feb)
    bday = variant == V["birthday"]
    birth[bday] = plants.birthday_dates(birth[bday], inst[bday], E)

    cust_ids = ids("C", gi + 1, 8)

    # ------------------------------------------------------- positions (holdings and trades)
    cat_p = {
        SALARIED: [0.30, 0.25, 0.08, 0.22, 0.05, 0.04, 0.06], RETIREE: [0.25, 0.05, 0.10, 0.35, 0.03, 0.10, 0.12],
        HOMEMAKER: [0.30, 0.20, 0.10, 0.25, 0.08, 0.03, 0.04], TRADER: [0.10, 0.70, 0.02, 0.08, 0.10, 0.0, 0.0],
        BUSINESS: [0.30, 0.20, 0.10, 0.20, 0.05, 0.05, 0.10], HKMOTW: [0.30, 0.25, 0.15, 0.20, 0.05, 0.0, 0.05],
    }
    lam = np.array([0.5, 1.4, 2.8, 4.5, 5.0])[tier] + (persona == TRADER) * 1.5
    npos = rng.poisson(lam)
    npos[planted] = 0
    pcust = np.repeat(ix, npos)
    m = len(pcust)
    cum = np.cumsum(np.array([cat_p[p] for p in range(6)]), axis=1)
    cum /= cum[:, -1:]
    pcat = (rng.random(m)[:, None] > cum[persona[pcust]]).sum(axis=1).clip(0, 6)
    prod = np.zeros(m, dtype=np.int64)
    for c, name in enumerate(CATEGORIES):
        sel = np.flatnonzero(pcat == c)
        # customers hold products on sale today: closed and future issues are not held
        cands = np.flatnonzero((bank.product_category == name) & bank.product_on_sale)
        pick = cands[rng.integers(0, len(cands), len(sel))]
        safest = cands[np.argmin(bank.product_risk[cands])]
        prod[sel] = np.where(bank.product_risk[pick] > risk_eff[pcust[sel]], safest, pick)
    w = rng.exponential(1.0, m)
    wsum = np.bincount(pcust, weights=w, minlength=n)
    amount = np.round(budget[pcust] * w / np.maximum(wsum[pcust], 1e-9) / 10_000).astype(np.int64) * 10_000
    one_year_td = int(np.flatnonzero((bank.product_category == "time_deposit") & (bank.product_term == 365))[0])
    small = amount < bank.product_min[prod]
    prod[small] = one_year_td
    amount = np.maximum(amount, 5_000)
    term = bank.product_term[prod].astype(np.int64)
    termed = term > 0
    matures = np.full(m, NEVER)
    bought = E - rng.integers(1, 1500, m)
    tm = E + 1 + (rng.random(m) * np.maximum(term, 1)).astype(np.int64)
    matures[termed] = tm[termed]
    bought[termed] = tm[termed] - term[termed]
    floor = np.maximum(opened[pcust], bank.product_start[prod])  # a customer, and the product on sale
    late = bought < floor
    bought[late] = floor[late] + (rng.random(late.sum()) * (E - floor[late] + 1)).astype(np.int64)
    bought = np.minimum(bought, E)
    roll = termed & late
    matures[roll] = bought[roll] + term[roll]
    k = np.where(roll & (matures <= E), -(-(E + 1 - matures) // np.maximum(term, 1)), 0)  # auto-rollover
    bought += k * term
    matures += k * term
    is_trade = np.zeros(m, dtype=bool)
    sell_amt = np.zeros(m, dtype=np.int64)

    # active traders' round trips: bought and sold within the year (investment debits / credits)
    trader = persona == TRADER
    active = np.maximum(0, E - first + 1)
    nt = np.where(trader & ~planted, rng.poisson(28 * active / 365), 0)
    tcust = np.repeat(ix, nt)
    tb = first[tcust] + (rng.random(len(tcust)) * active[tcust]).astype(np.int64)
    ts = tb + rng.integers(3, 40, len(tcust))
    keep = ts <= E
    tcust, tb, ts = tcust[keep], tb[keep], ts[keep]
    funds = np.flatnonzero((bank.product_category == "fund") & (bank.product_risk >= 2))
    tprod = funds[rng.integers(0, len(funds), len(tcust))]
    tamt = (np.clip(aum[tcust] * rng.uniform(0.03, 0.2, len(tcust)), 100_000, None) / 10_000).astype(np.int64) * 10_000
    tsell = np.round(tamt * (1 + rng.normal(0.004, 0.04, len(tcust)))).astype(np.int64)

    # ----------------------------------------------------------------- planted positions
    pp = plants.positions(variant, inst, bank, E)
    pcust = np.concatenate([pcust, tcust, pp["cust"]])
    prod = np.concatenate([prod, tprod, pp["prod"]])
    amount = np.concatenate([amount, tamt, pp["amount"]])
    bought = np.concatenate([bought, tb, pp["bought"]])
    matures = np.concatenate([matures, ts, pp["matures"]])
    is_trade = np.concatenate([is_trade, np.ones(len(tcust), bool), np.zeros(len(pp["cust"]), bool)])
    sell_amt = np.concatenate([sell_amt, tsell, np.zeros(len(pp["cust"]), np.int64)])
    cost_nav = bank.nav_on(prod, bought)
    planted_cost = pp["cost_nav"]
    cost_nav[len(cost_nav) - len(planted_cost):] = np.where(planted_cost > 0, planted_cost,
                                                             cost_nav[len(cost_nav) - len(planted_cost):])
    is_fund = bank.product_category[prod] == "fund"

    # ------------------------------------------------------------------- transactions
    tx = Txns()
    months = _month_firsts(start, E)

    def monthly(mask, dom, amt, kind, cp, ch, sec_lo, sec_hi, stop=None):
        c = np.flatnonzero(mask)
        if len(c) == 0:
            return
        day = months[None, :] + np.broadcast_to(np.asarray(dom), (n,))[c][:, None] - 1
        cc = np.broadcast_to(c[:, None], day.shape)
        ok = (day >= first[c][:, None]) & (day <= E)
        if stop is not None:
            ok &= day < stop[c][:, None]
        cc, day = cc[ok], day[ok]
        a = np.round(amt[cc] * rng.uniform(0.97, 1.03, len(cc)) / 100).astype(np.int64) * 100
        tx.add(cc, day, rng.integers(sec_lo, sec_hi, len(cc)), a, kind, cp[cc] if np.ndim(cp) else cp, ch)

    def poisson(mask, per_month, mean_amt, sigma, sign, kind, cp, ch, sec_lo, sec_hi):
        rate = np.where(mask, per_month / 30.0, 0.0)
        k = rng.poisson(rate * active)
        c = np.repeat(ix, k)
        day = first[c] + (rng.random(len(c)) * active[c]).astype(np.int64)
        a = np.maximum(np.round(mean_amt[c] * lognormal_mean1(rng, sigma, len(c))).astype(np.int64), 100)
        cps = cp[rng.integers(0, len(cp), len(c))] if np.ndim(cp) else cp
        tx.add(c, day, rng.integers(sec_lo, sec_hi, len(c)), sign * a, kind, cps, ch)

    income_lo = np.array([[6e3, 10e3, 20e3, 40e3, 60e3]] * 6)
    income_lo[RETIREE] = [2.5e3, 3.5e3, 5e3, 6e3, 8e3]
    income = np.exp(rng.uniform(np.log(income_lo[persona, tier]), np.log(income_lo[persona, tier] * 2.5))) * YUAN
    income[persona == BUSINESS] = np.maximum(aum[persona == BUSINESS] * rng.uniform(0.05, 0.25, (persona == BUSINESS).sum()), 3e6)
    payday = np.where(emp >= 0, bank.employer_payday[np.maximum(emp, 0)], 10)
    with_bank = (emp >= 0) & bank.employer_payroll[np.maximum(emp, 0)]
    emp_cp = len(MERCHANTS) + len(FIXED_CP) + np.maximum(emp, 0)
    job_end = np.where((persona == SALARIED) & (rng.random(n) < 0.04), E - rng.integers(36, 200, n), NEVER)
    sal = (persona == SALARIED) & ~planted
    monthly(sal & with_bank, payday, income, KIND["payroll"], emp_cp, CH["代发"], 9 * 3600, 11 * 3600, job_end)
    monthly(sal & ~with_bank, payday, income, KIND["transfer"], CP["他行工资转入"], CH["网上银行"], 9 * 3600, 18 * 3600, job_end)
    monthly((persona == RETIREE) & ~planted, 8, income, KIND["pension"], CP["成都市社会保险事业管理局"], CH["代发"], 8 * 3600, 9 * 3600)
    monthly((persona == HOMEMAKER) & ~planted, 3, income, KIND["transfer"], CP["家庭转账"], CH["手机银行"], 8 * 3600, 22 * 3600)
    monthly((persona == TRADER) & ~planted, payday, income, KIND["transfer"], CP["他行工资转入"], CH["网上银行"], 9 * 3600, 18 * 3600)
    hk_cp = np.array([CP["香港汇丰银行"], CP["澳门大西洋银行"], CP["台湾银行"]])
    poisson(hk & ~planted, 1.0, income, 0.5, 1, KIND["transfer"], hk_cp, CH["柜面"], 9 * 3600, 17 * 3600)
    bus = (persona == BUSINESS) & ~planted
    poisson(bus, 3, income / 3, 1.0, 1, KIND["transfer"], np.array([CP["货款"], CP["客户往来款"]]), CH["网上银行"], 8 * 3600, 20 * 3600)
    poisson(bus, 3, income / 3.3, 1.0, -1, KIND["transfer"], np.array([CP["货款"], CP["他行账户"]]), CH["网上银行"], 8 * 3600, 20 * 3600)
    spend = np.where(persona == BUSINESS, rng.uniform(1.5e4, 6e4, n) * YUAN, income * 0.85)
    card_rate = np.array([2.0, 1.0, 2.5, 1.5, 1.5, 1.5])[persona]
    nat = ~planted
    poisson(nat, card_rate, spend * 0.45 / card_rate, 0.9, -1, KIND["card"], np.arange(len(MERCHANTS)), CH["快捷支付"], 10 * 3600, 22 * 3600)
    cash_rate = np.array([0.3, 1.2, 0.5, 0.2, 0.5, 0.5])[persona]
    cash_share = np.where(persona == RETIREE, 0.3, 0.1)
    poisson(nat, cash_rate, spend * cash_share / cash_rate, 0.5, -1, KIND["cash"], -1, CH["ATM"], 9 * 3600, 19 * 3600)
    poisson(nat, 0.5, spend * 0.3 / 0.5, 0.6, -1, KIND["transfer"], np.array([CP["房租"], CP["信用卡还款"], CP["他行账户"]]), CH["手机银行"], 8 * 3600, 22 * 3600)
    monthly(nat & (rng.random(n) < 0.25), 20, np.full(n, 2.0 * YUAN), KIND["fee"], CP["短信服务费"], CH["系统"], 2 * 3600, 3 * 3600)
    # quarterly interest on the 21st of Mar/Jun/Sep/Dec (credits of kind interest)
    qdays = months[np.isin(_month_of(months), [3, 6, 9, 12])] + 20
    for qd in qdays:
        c = np.flatnonzero(nat & (first <= qd) & (qd <= E))
        a = np.round(c_base[c] * 0.0006).astype(np.int64)
        c, a = c[a > 0], a[a > 0]
        tx.add(c, qd, 2 * 3600 + 600, a, KIND["interest"], CP["账户结息"], CH["系统"])

    # investment debits for positions bought in the year, and both legs of each round trip
    buy = (bought >= first[pcust]) & (bought <= E)
    prod_cp = len(MERCHANTS) + len(FIXED_CP) + len(bank.employer_ids) + prod
    tx.add(pcust[buy], bought[buy], rng.integers(34200, 52200, buy.sum()), -amount[buy], KIND["investment"], prod_cp[buy], CH["手机银行"])
    tx.add(pcust[is_trade], matures[is_trade], rng.integers(34200, 52200, is_trade.sum()), sell_amt[is_trade],
           KIND["investment"], prod_cp[is_trade], CH["手机银行"])

    # planted customers: quiet recent months, then exactly the flows their signal needs
    t_cust, t_day, t_sec, t_amt, t_kind, t_cp, t_ch = tx.arrays()
    keep = (t_day >= first[t_cust]) & (t_day <= E) & ~(planted[t_cust] & (t_day >= E - QUIET_DAYS))
    t_cust, t_day, t_sec, t_amt, t_kind, t_cp, t_ch = (a[keep] for a in (t_cust, t_day, t_sec, t_amt, t_kind, t_cp, t_ch))
    pt = plants.transactions(variant, inst, E, emp_cp, KIND, CP)
    pk = (pt["day"] >= start) & (pt["day"] <= E)
    t_cust = np.concatenate([t_cust, pt["cust"][pk]])
    t_day = np.concatenate([t_day, pt["day"][pk]])
    t_sec = np.concatenate([t_sec, pt["sec"][pk]])
    t_amt = np.concatenate([t_amt, pt["amount"][pk]])
    t_kind = np.concatenate([t_kind, pt["kind"][pk].astype(np.int8)])
    t_cp = np.concatenate([t_cp, pt["cp"][pk].astype(np.int32)])
    t_ch = np.concatenate([t_ch, np.full(int(pk.sum()), CH["手机银行"], np.int8)])

    # ------------------------------------------------------------------------ balances
    S = E - BALANCE_DAYS + 1
    inwin = t_day >= S
    flows = np.zeros((n, BALANCE_DAYS), dtype=np.int64)
    np.add.at(flows, (t_cust[inwin], t_day[inwin] - S), t_amt[inwin])
    cum = np.cumsum(flows, axis=1)
    open_cols = np.arange(BALANCE_DAYS)[None, :] >= (opened - S)[:, None]
    low = np.where(open_cols, cum, np.iinfo(np.int64).max).min(axis=1)
    c_base = np.where(planted, plants.current_base(variant, inst), c_base)
    c_start = np.maximum(c_base, -low)
    # customers who opened inside the balance window bring their first balance in as a deposit
    newly = (opened >= S) & (c_start > 0)
    tc = np.flatnonzero(newly)
    t_cust = np.concatenate([t_cust, tc])
    t_day = np.concatenate([t_day, opened[tc]])
    t_sec = np.concatenate([t_sec, np.full(len(tc), 9 * 3600 + 1800)])
    t_amt = np.concatenate([t_amt, c_start[tc]])
    t_kind = np.concatenate([t_kind, np.full(len(tc), KIND["transfer"], np.int8)])
    t_cp = np.concatenate([t_cp, np.full(len(tc), CP["开户存入"], np.int32)])
    t_ch = np.concatenate([t_ch, np.full(len(tc), CH["柜面"], np.int8)])
    current = c_start[:, None] + cum

    dep = np.isin(bank.product_category[prod], DEPOSIT_LIKE)
    comp = np.zeros((2, n, BALANCE_DAYS + 1), dtype=np.int64)
    lo_c = np.clip(bought - S, 0, BALANCE_DAYS)
    hi_c = np.clip(matures - S, 0, BALANCE_DAYS)
    live = hi_c > lo_c
    which = (~dep).astype(np.int64)
    np.add.at(comp, (which[live], pcust[live], lo_c[live]), amount[live])
    np.add.at(comp, (which[live], pcust[live], hi_c[live]), -amount[live])
    comp = np.cumsum(comp, axis=2)[:, :, :BALANCE_DAYS]
    bal_rows = open_cols
    bc, bd = np.nonzero(bal_rows)
    td_v, inv_v, cur_v = comp[0][bc, bd], comp[1][bc, bd], current[bc, bd]

    # ---------------------------------------------------------------------- holdings
    held = ~is_trade & (matures > E) & (bought <= E)
    h_n = int(held.sum())
    h0 = counters["holdings"]
    counters["holdings"] += h_n
    hf = is_fund[held]
    units = np.where(hf, np.round(amount[held] / np.maximum(cost_nav[held], 1) * 100), 0).astype(np.int64)
    holdings = {
        "holding_id": ids("H", np.arange(h0 + 1, h0 + h_n + 1), 10),
        "customer_id": cust_ids.take(pa.array(pcust[held])),
        "product_id": pa.array(bank.product_ids).take(pa.array(prod[held])),
        "amount": amount[held],
        "bought_on": bought[held].astype(np.int32),
        "matures_on": np.where(matures[held] >= NEVER, NULL_DAY, matures[held]).astype(np.int32),
        "units": Scaled(units, 2, ~hf),
        "cost_nav": Scaled(cost_nav[held], 4, ~hf),
    }
    has_inv_pos = np.bincount(pcust[~dep], minlength=n) > 0
    has_dep_pos = np.bincount(pcust[dep], minlength=n) > 0

    # ------------------------------------------------------------------- transactions out
    order = np.lexsort((t_sec, t_day, t_cust))
    t_cust, t_day, t_sec, t_amt, t_kind, t_cp, t_ch = (a[order] for a in (t_cust, t_day, t_sec, t_amt, t_kind, t_cp, t_ch))
    nt_ = len(t_cust)
    t0 = counters["transactions"]
    counters["transactions"] += nt_
    cp_vocab = pa.array(list(MERCHANTS) + list(FIXED_CP) + bank.employer_names.tolist()
                        + [f"申购/赎回-{p}" for p in bank.product_ids.tolist()] + [None])
    cur_acct = ids("A", gi + 1, 8, "01")
    transactions = {
        "txn_id": ids("T", np.arange(t0 + 1, t0 + nt_ + 1), 12),
        "account_id": cur_acct.take(pa.array(t_cust)),
        "customer_id": cust_ids.take(pa.array(t_cust)),
        "booked_at": t_day * 86400 + t_sec,
        "amount": t_amt,
        "kind": pa.array(list(TRANSACTION_KINDS)).take(pa.array(t_kind.astype(np.int64))),
        "counterparty": cp_vocab.take(pa.array(np.where(t_cp < 0, len(cp_vocab) - 1, t_cp).astype(np.int64))),
        "channel": pa.array(list(CHANNELS)).take(pa.array(t_ch.astype(np.int64))),
    }

    balances = {
        "customer_id": cust_ids.take(pa.array(bc)),
        "as_of": (S + bd).astype(np.int32),
        "current": cur_v, "time_deposit": td_v, "investments": inv_v, "aum": cur_v + td_v + inv_v,
    }

    # ------------------------------------------------------------ services and accounts
    services, accounts = _services_and_accounts(rng, ix, gi, E, opened, age, tier, persona, trader, has_inv_pos,
                                                has_dep_pos, with_bank, stopped, cust_ids)

    # -------------------------------------------------------------------- relatives
    relatives = _relatives(rng, plants, ix, E, age, female, birth, surname, variant, inst, cust_ids)

    # ------------------------------------------------------------------ assignments
    remote_n = np.array([len(x) for x in bank.remote_by_branch])
    remote = bank.remote_by_branch
    pick_remote = np.array([remote[b][int(r * remote_n[b])] for b, r in zip(branch, rng.random(n))])
    assigned = (tier >= 1) | (rng.random(n) > 0.065) | planted
    has_owner = (tier >= 2) | ((tier == 1) & (rng.random(n) < 0.5)) | (rng.random(n) < 0.08)
    has_adv = tier >= 2
    pick_rm = np.array([bank.rm_by_branch[b][int(r * len(bank.rm_by_branch[b]))] for b, r in zip(branch, rng.random(n))])
    pick_adv = np.array([bank.advisor_by_branch[b][int(r * len(bank.advisor_by_branch[b]))]
                         for b, r in zip(branch, rng.random(n))])
    as_cust, as_role, as_staff = [], [], []
    for code, mask, who in ((0, has_owner, pick_rm), (1, assigned, pick_remote), (2, has_adv, pick_adv)):
        as_cust.append(ix[mask])
        as_role.append(np.full(mask.sum(), code))
        as_staff.append(who[mask])
    as_cust, as_role, as_staff = (np.concatenate(x) for x in (as_cust, as_role, as_staff))
    as_order = np.lexsort((as_role, as_cust))
    as_cust, as_role, as_staff = as_cust[as_order], as_role[as_order], as_staff[as_order]
    as_since = np.minimum(E, opened[as_cust] + (rng.random(len(as_cust)) * (E - opened[as_cust] + 1)).astype(np.int64))
    assignments = {
        "customer_id": cust_ids.take(pa.array(as_cust)),
        "staff_id": pa.array(bank.staff_ids).take(pa.array(as_staff)),
        "role": pa.array(["owner", "remote", "advisor"]).take(pa.array(as_role)),
        "since": as_since.astype(np.int32),
    }

    # ---------------------------------------------------------------------- contacts
    contacts = _contacts(rng, bank, plants, n, ix, E, first, opened, tier, persona, age, dnc, assigned,
                         pick_remote, pick_rm, has_owner, branch, variant, cust_ids, counters)

    # ----------------------------------------------------------------- channel plans
    channel_plans = _channel_plans(rng, bank, ix, E, tier, planted, pick_rm, pick_adv, pick_remote, cust_ids)

    customers = {
        "customer_id": cust_ids, "name": names, "gender": np.where(female, "F", "M").tolist(),
        "birth_date": birth.astype(np.int32), "phone": phone, "branch_id": [bank.branch_ids[b] for b in branch],
        "opened_on": opened.astype(np.int32), "marketing_consent": consent, "do_not_call": dnc,
        "occupation": occupation.tolist(), "industry": industry.tolist(),
        "employer_id": np.where(has_emp, bank.employer_ids[np.maximum(emp, 0)], None).tolist(),
        "region": region.tolist(), "risk_level": np.where(has_risk, np.char.add("C", risk.astype(str)), None).tolist(),
        "risk_assessed_on": np.where(has_risk, assessed, NULL_DAY).astype(np.int32),
        "preferred_channel": pref.tolist(),
    }
    return {
        "customers": customers, "relatives": relatives, "assignments": assignments, "accounts": accounts,
        "transactions": transactions, "balances": balances, "holdings": holdings, "services": services,
        "channel_plans": channel_plans, "contacts": contacts,
    }


def _services_and_accounts(rng, ix, gi, E, opened, age, tier, persona, trader, has_inv_pos, has_dep_pos,
                           with_bank, stopped, cust_ids) -> tuple[dict, dict]:
    """The four basic products (with gaps) and payroll; a current account for everyone, others when used."""
    n = len(ix)

    def since(mask):
        return np.minimum(E, opened + (rng.random(n) * (E - opened + 1) * 0.6).astype(np.int64))[mask]

    young = age < 55
    svc = {
        "mobile_banking": rng.random(n) < np.where(young, 0.9, 0.6),
        "credit_card": rng.random(n) < np.where(tier >= 1, 0.5, 0.3),
        "third_party_binding": rng.random(n) < np.where(young, 0.75, 0.4),
        "investment": has_inv_pos | trader,
        "payroll": with_bank & ((persona == SALARIED) | stopped),
    }
    s_cust, s_name, s_since = [], [], []
    for name, mask in svc.items():
        s_cust.append(ix[mask])
        s_name += [name] * int(mask.sum())
        s_since.append(since(mask))
    s_cust = np.concatenate(s_cust)
    s_since = np.concatenate(s_since)
    s_order = np.lexsort((np.arange(len(s_cust)), s_cust))
    services = {"customer_id": cust_ids.take(pa.array(s_cust[s_order])),
                "service": pa.array(s_name).take(pa.array(s_order)), "since": s_since[s_order].astype(np.int32)}

    # accounts
    a_cust = [ix]
    a_kind = [np.zeros(n, np.int64)]
    a_open = [opened]
    a_close = [np.full(n, NULL_DAY)]
    extra = [(1, svc["credit_card"], "card"), (2, has_dep_pos, "time_deposit"), (3, has_inv_pos | trader, "investment"),
             (4, np.isin(persona, [SALARIED, BUSINESS]) & (rng.random(n) < 0.18), "loan")]
    for code, mask, _ in extra:
        a_cust.append(ix[mask])
        a_kind.append(np.full(mask.sum(), code))
        a_open.append(since(mask))
        a_close.append(np.full(mask.sum(), NULL_DAY))
    closed = (rng.random(n) < 0.04) & (opened < E - 400)  # an old second current account, closed
    a_cust.append(ix[closed])
    a_kind.append(np.full(closed.sum(), 5))
    a_open.append(opened[closed])
    a_close.append(opened[closed] + ((E - opened[closed]) * rng.uniform(0.2, 0.9, closed.sum())).astype(np.int64))
    a_cust, a_kind, a_open, a_close = (np.concatenate(x) for x in (a_cust, a_kind, a_open, a_close))
    a_order = np.lexsort((a_kind, a_cust))
    a_cust, a_kind, a_open, a_close = a_cust[a_order], a_kind[a_order], a_open[a_order], a_close[a_order]
    kind_names = pa.array(["current", "card", "time_deposit", "investment", "loan", "current"])
    accounts = {
        "account_id": pc.binary_join_element_wise(
            ids("A", gi[a_cust] + 1, 8), pc.utf8_lpad(pa.array(a_kind + 1).cast(pa.string()), 2, "0"), ""),
        "customer_id": cust_ids.take(pa.array(a_cust)),
        "kind": kind_names.take(pa.array(a_kind)),
        "opened_on": a_open.astype(np.int32), "closed_on": a_close.astype(np.int32),
    }
    return services, accounts


def _relatives(rng, plants, ix, E, age, female, birth, surname, variant, inst, cust_ids) -> dict:
    """Spouses (opposite gender), children (the customer's surname) and parents (fathers share it)."""
    n = len(ix)
    V = plants.code
    r_parts = []
    spouse = (age >= 25) & (rng.random(n) < 0.62)
    rel_b = variant == V["relative_birthday"]
    spouse |= rel_b
    child = (age >= 30) & (rng.random(n) < 0.5)
    parent = (age < 62) & (rng.random(n) < 0.25)
    for code, mask in ((0, spouse), (1, child), (2, parent)):
        c = ix[mask]
        k_ = len(c)
        if code == 0:
            f = ~female[c]
            delta = rng.integers(-4 * 365, 4 * 365, k_)
        elif code == 1:
            f = rng.random(k_) < 0.5
            delta = -rng.integers(24 * 365, 36 * 365, k_)
        else:
            f = rng.random(k_) < 0.5
            delta = rng.integers(24 * 365, 34 * 365, k_)
        rb = np.minimum(birth[c] - delta, E - 200)
        if code == 0:
            rb[rel_b[c]] = plants.birthday_dates(rb[rel_b[c]], inst[c][rel_b[c]], E)
        sur, rn = person_names(rng, k_, f)
        if code != 0:  # children and fathers share the customer's surname
            same = (code == 1) | ~f
            rn = [vocab.SURNAMES[surname[ci]][0] + nm[len(vocab.SURNAMES[s][0]):] if keep else nm
                  for ci, nm, s, keep in zip(c, rn, sur, same)]
        r_parts.append((c, np.full(k_, code), rn, rb))
    r_cust = np.concatenate([p[0] for p in r_parts])
    r_code = np.concatenate([p[1] for p in r_parts])
    r_name = sum((p[2] for p in r_parts), [])
    r_birth = np.concatenate([p[3] for p in r_parts])
    r_order = np.lexsort((r_code, r_cust))
    return {
        "customer_id": cust_ids.take(pa.array(r_cust[r_order])),
        "relation": pa.array(["spouse", "child", "parent"]).take(pa.array(r_code[r_order])),
        "name": pa.array(r_name).take(pa.array(r_order)),
        "birth_date": r_birth[r_order].astype(np.int32),
    }


def _channel_plans(rng, bank, ix, E, tier, planted, pick_rm, pick_adv, pick_remote, cust_ids) -> dict:
    """Other channels holding a customer: most plans cover D, some expired, some still to come."""
    n = len(ix)
    planned = (rng.random(n) < np.where(tier >= 2, 0.10, 0.035)) & ~planted
    c = ix[planned]
    chan = np.where(tier[c] >= 2, rng.choice(3, len(c), p=[0.3, 0.5, 0.2]), rng.choice(4, len(c), p=[0.45, 0.0, 0.4, 0.15]))
    state = rng.random(len(c))
    vf = np.where(state < 0.6, E - rng.integers(0, 60, len(c)),
                  np.where(state < 0.85, E - rng.integers(90, 300, len(c)), E + rng.integers(5, 40, len(c))))
    vt = np.where(state < 0.6, E + 1 + rng.integers(0, 60, len(c)), vf + rng.integers(30, 60, len(c)))
    chan_names = ("branch", "wealth_center", "call_center", "remote")
    plan_text = np.array([vocab.PLAN_TEXT[chan_names[x]][int(r * len(vocab.PLAN_TEXT[chan_names[x]]))]
                          for x, r in zip(chan, rng.random(len(c)))], dtype=object)
    plan_staff = np.where(chan == 0, bank.staff_ids[pick_rm[c]],
                          np.where(chan == 1, bank.staff_ids[pick_adv[c]],
                                   np.where(chan == 3, bank.staff_ids[pick_remote[c]], None)))
    return {
        "customer_id": cust_ids.take(pa.array(c)), "channel": [chan_names[x] for x in chan],
        "plan": plan_text.tolist(), "valid_from": vf.astype(np.int32), "valid_to": vt.astype(np.int32),
        "staff_id": plan_staff.tolist(),
    }


# Persona call-time habits: (hour centres, weights) of when a customer tends to pick up.
BEST_HOURS = {
    SALARIED: ((12.4, 19.5), (0.55, 0.45)), RETIREE: ((9.5, 10.5), (0.6, 0.4)),
    HOMEMAKER: ((10.5, 14.8), (0.5, 0.5)), TRADER: ((11.8, 15.4), (0.5, 0.5)),
    BUSINESS: ((8.6, 18.2), (0.5, 0.5)), HKMOTW: ((10.8, 16.5), (0.5, 0.5)),
}
CONTACT_CHANNELS = ("phone", "wechat", "sms", "visit", "branch")
# persona's pull on saying yes to an offer, in log-odds (index = persona code, as in BEST_HOURS)
PERSONA_YES = np.zeros(6)
PERSONA_YES[[SALARIED, RETIREE, HOMEMAKER, TRADER, BUSINESS, HKMOTW]] = [0.0, -0.5, -0.2, 0.5, 0.4, 0.1]
OUTCOMES = ("reached", "interested", "appointment", "sold", "refused", "do_not_disturb", "no_answer")


def _contacts(rng, bank, plants, n, ix, E, first, opened, tier, persona, age, dnc, assigned, pick_remote,
              pick_rm, has_owner, branch, variant, cust_ids, counters):
    # each customer's own best hour: a persona habit plus a personal offset, so it can be learned
    centres = np.array([BEST_HOURS[p][0] for p in range(6)])
    wts = np.array([BEST_HOURS[p][1][0] for p in range(6)])
    which = (rng.random(n) > wts[persona]).astype(int)
    best = centres[persona, which] + rng.normal(0, 0.6, n)
    lam = np.where(assigned, np.array([3.0, 6.0, 10.0, 14.0, 14.0])[tier], 0.5)
    active = np.maximum(0, E - first + 1)
    k = rng.poisson(lam * active / 365)
    c = np.repeat(ix, k)
    m = len(c)
    day = first[c] + (rng.random(m) * active[c]).astype(np.int64)
    weekend = ((day + 3) % 7) >= 5
    day = np.where(weekend & (rng.random(m) < 0.7), day - ((day + 3) % 7 - 4), day)  # mostly moved to Friday
    day = np.maximum(day, first[c])
    targeted = rng.random(m) < 0.45  # RMs who know the customer call at the right time
    hour = np.where(targeted, best[c] + rng.normal(0, 0.5, m), rng.uniform(9.0, 20.5, m))
    hour = hour.clip(8.0, 21.0)
    sec = (hour * 3600).astype(np.int64)
    ch = rng.choice(5, m, p=[0.72, 0.16, 0.05, 0.03, 0.04])
    ch = np.where(dnc[c] & (ch == 0), 1, ch)  # do-not-call customers are reached by WeChat
    p_reach = 0.12 + 0.7 * np.exp(-((hour - best[c]) ** 2) / (2 * 1.0 ** 2))
    p_reach = np.where(ch == 0, p_reach, 0.95)
    reached = rng.random(m) < p_reach
    # Whether a reached customer says yes (interested / appointment / sold) depends on who they are —
    # wealthier customers, business owners and traders more often, retirees less — and on a personal
    # disposition, so past outcomes and the profile predict the next one: a learnable propensity.
    disposition = rng.normal(0.0, 0.9, n)
    persona_effect = PERSONA_YES[persona]
    logit = -1.25 + 0.3 * tier[c] + persona_effect[c] + disposition[c] - 0.004 * (age[c] - 45)
    says_yes = rng.random(m) < 1.0 / (1.0 + np.exp(-logit))
    yes = rng.choice(3, m, p=[0.55, 0.22, 0.23]) + 1        # interested, appointment, sold
    no = rng.choice(3, m, p=[0.79, 0.20, 0.01])             # reached (no interest), refused, do_not_disturb
    oc = np.where(says_yes, yes, np.array([0, 4, 5])[no])
    oc = np.where(reached, oc, 6)
    staff = np.where(rng.random(m) < 0.85, pick_remote[c], np.where(has_owner[c], pick_rm[c], pick_remote[c]))
    drop = plants.drop_contacts(variant[c], day, E)
    keep = ~drop
    c, day, sec, ch, oc, staff = c[keep], day[keep], sec[keep], ch[keep], oc[keep], staff[keep]
    order = np.lexsort((sec, day, c))
    c, day, sec, ch, oc, staff = c[order], day[order], sec[order], ch[order], oc[order], staff[order]
    # after a do_not_disturb outcome the bank stops phoning that customer
    dnd_pos = np.where(oc == 5, np.arange(len(c)), -1)
    starts = np.r_[0, np.flatnonzero(np.diff(c)) + 1] if len(c) else np.zeros(0, np.int64)
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(c)]))
    seen = np.maximum.accumulate(dnd_pos) if len(c) else dnd_pos
    before = np.r_[-1, seen[:-1]] if len(c) else seen  # the latest do_not_disturb strictly before
    silenced = (before >= group_start) & (ch == 0)
    c, day, sec, ch, oc, staff = (a[~silenced] for a in (c, day, sec, ch, oc, staff))
    m = len(c)
    on_sale = np.flatnonzero(bank.product_on_sale)
    with_prod = np.isin(oc, [1, 2, 3])
    prod = np.where(with_prod, on_sale[rng.integers(0, len(on_sale), m)], -1)
    prod_ids = pa.array(bank.product_ids.tolist() + [None])
    notes_flat, note_idx = [], {}
    for o in OUTCOMES:
        note_idx[o] = (len(notes_flat), len(vocab.CONTACT_NOTES[o]))
        notes_flat += vocab.CONTACT_NOTES[o]
    base = np.array([note_idx[o][0] for o in OUTCOMES])[oc]
    span = np.array([note_idx[o][1] for o in OUTCOMES])[oc]
    note = base + (rng.random(m) * span).astype(np.int64)
    c0 = counters["contacts"]
    counters["contacts"] += m
    return {
        "contact_id": ids("K", np.arange(c0 + 1, c0 + m + 1), 10),
        "customer_id": cust_ids.take(pa.array(c)),
        "staff_id": pa.array(bank.staff_ids).take(pa.array(staff)),
        "at": day * 86400 + sec,
        "channel": pa.array(list(CONTACT_CHANNELS)).take(pa.array(ch)),
        "outcome": pa.array(list(OUTCOMES)).take(pa.array(oc)),
        "product_id": prod_ids.take(pa.array(np.where(prod < 0, len(prod_ids) - 1, prod))),
        "note": pa.array(notes_flat).take(pa.array(note)),
    }


def _month_firsts(first: int, last: int) -> np.ndarray:
    m0 = np.datetime64(int(first), "D").astype("datetime64[M]")
    m1 = np.datetime64(int(last), "D").astype("datetime64[M]")
    return np.arange(m0, m1 + 1).astype("datetime64[D]").astype(np.int64)


def _month_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
