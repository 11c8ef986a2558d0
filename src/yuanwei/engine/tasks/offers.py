"""Offers (DESIGN §5): candidate products per signal, filtered by eligibility and suitability.

- maturity → reinvest: the maturing holding's category first, then time deposits and certificates,
  closest term first; idle_cash / large_inflow → time_deposit, certificate, low-risk wealth;
  tier_up / new_customer → welcome: the four basic products the customer lacks;
  payroll_stopped / aum_drop → retention, no product; birthday, relative_birthday, market_shock → care.
- Suitability: product risk Rk needs customer level Cj with k ≤ j; without a valid assessment
  (missing, or assessed more than ``assessment_valid_days`` before D) only ``unassessed_categories``;
  customers aged ``elderly_age`` or more get nothing above ``elderly_max_risk``; on sale on D
  (sale_start ≤ D ≤ sale_end or no sale_end, status not closed); min_amount ≤ available funds
  (current balance, plus the maturing amounts for a maturity signal).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

import ibis
import numpy as np
import pandas as pd

from yuanwei.contract.schema import FOUR_BASIC_PRODUCTS
from yuanwei.engine.tasks.config import OffersConfig
from yuanwei.engine.tasks.policy import Block
from yuanwei.engine.tasks.windows import restrict
from yuanwei.results import run_offsets

SERVICE_ZH = {"mobile_banking": "手机银行", "credit_card": "信用卡", "third_party_binding": "第三方支付绑卡",
              "investment": "投资理财账户"}
# when no product survives, the reason shown is the first of these that any candidate product hit
UNSUITABLE = {
    "risk_mismatch": "风险等级不匹配",
    "no_assessment": "无有效风险测评",
    "elderly": "高龄客户不宜推荐高风险产品",
    "below_min_amount": "可用资金低于起购金额",
}
NO_PRODUCT = Block("no_product", "无在售可推荐产品")


@dataclass
class RuleOffer:
    products: list[str] = field(default_factory=list)   # product_ids, best first
    categories: list[str] = field(default_factory=list)  # their categories, aligned
    services: list[str] = field(default_factory=list)   # basic products it lacks (welcome)
    dropped: Block | None = None                         # the rule wanted products and none survived


def products_on_sale(tables: Mapping[str, ibis.Table], day: dt.date) -> pd.DataFrame:
    p = tables["products"]
    p = p.filter(p.sale_start <= day, p.sale_end.isnull() | (p.sale_end >= day),
                 p.status.isnull() | (p.status != "closed"))
    df = p.select("product_id", "name", "category", "risk_rating", "min_amount", "term_days",
                  "expected_return").to_pandas()
    return df.sort_values("product_id").reset_index(drop=True)


def maturing_holdings(tables: Mapping[str, ibis.Table], day: dt.date, until: dt.date,
                      customer_ids: list[str]) -> pd.DataFrame:
    """Holdings maturing in D…until of these customers, with their product's category and term."""
    cols = ["customer_id", "holding_id", "amount", "matures_on", "category", "term_days"]
    if not customer_ids:
        return pd.DataFrame(columns=cols)
    h = restrict(tables["holdings"], customer_ids)
    h = h.filter(h.matures_on >= day, h.matures_on <= until, h.bought_on <= day - dt.timedelta(days=1))
    p = tables["products"].select(pid="product_id", category="category", term_days="term_days")
    df = h.join(p, h.product_id == p.pid).select(*cols).to_pandas()
    return df.sort_values(["customer_id", "matures_on", "holding_id"]).reset_index(drop=True)


def assessment_valid(profile: Mapping, day: dt.date, cfg: OffersConfig) -> bool:
    level, on = profile.get("risk_level"), profile.get("risk_assessed_on")
    if not level or on is None or pd.isna(on):
        return False
    return (day - on).days <= cfg.assessment_valid_days  # exactly 365 days old is still valid


@dataclass(frozen=True)
class Suitability:
    """What suitability needs to know of one customer on D, worked out once per customer."""

    assessed: bool          # a valid risk assessment (assessment_valid)
    level: int              # its level j of Cj (0 without a valid assessment)
    elderly: bool           # aged elderly_age or more

    @classmethod
    def of(cls, profile: Mapping, day: dt.date, cfg: OffersConfig) -> "Suitability":
        assessed = assessment_valid(profile, day, cfg)
        return cls(assessed, int(profile["risk_level"][1]) if assessed else 0, elderly(profile.get("age"), cfg))


def elderly(age, cfg: OffersConfig) -> bool:
    """Aged ``elderly_age`` or more on D (an unknown age is not)."""
    return age is not None and not pd.isna(age) and int(age) >= cfg.elderly_age


def why_unsuitable(product: Mapping, who: Suitability, funds: Decimal, cfg: OffersConfig) -> str | None:
    """The reason code why this product may not be offered to this customer, or None."""
    rating = product["rating"] if "rating" in product else int(product["risk_rating"][1])
    if not who.assessed:
        if product["category"] not in cfg.unassessed_categories:
            return "no_assessment"
    elif rating > who.level:
        return "risk_mismatch"
    if who.elderly and rating > int(cfg.elderly_max_risk[1]):
        return "elderly"
    if product["min_amount"] is not None and Decimal(product["min_amount"]) > funds:
        return "below_min_amount"
    return None


def unsuitable(product: Mapping, profile: Mapping, day: dt.date, funds: Decimal,
               cfg: OffersConfig) -> str | None:
    """The reason code why this product may not be offered to this customer, or None."""
    return why_unsuitable(product, Suitability.of(profile, day, cfg), funds, cfg)


def lacking_services(profile: Mapping) -> list[str]:
    return [s for s in FOUR_BASIC_PRODUCTS if profile.get(f"has_{s}") is not True]


class Catalogue:
    """The products on sale on D grouped for fast lookups: the per-customer work is plain Python over
    a few products, so a day with 100,000 candidates stays quick."""

    def __init__(self, products: pd.DataFrame, maturing: pd.DataFrame, cfg: OffersConfig,
                 product_levers: Mapping[str, float]):
        self.cfg = cfg
        self.levers = product_levers
        records = products.to_dict("records")
        for r in records:
            r["rating"] = int(r["risk_rating"][1])
            r["min_amount"] = Decimal(r["min_amount"]) if r["min_amount"] is not None else Decimal("0")
            t, ret = r.get("term_days"), r.get("expected_return")
            r["term_days"] = int(t) if t is not None and not pd.isna(t) else None
            r["expected_return"] = float(ret) if ret is not None and not pd.isna(ret) else -1.0
        self.by_category: dict[str, list[dict]] = {}
        for r in records:
            self.by_category.setdefault(r["category"], []).append(r)
        # the maturing holdings as columns, grouped by customer (their order kept within one):
        # ~10⁵ holdings a day, of which only the maturity offers' customers are ever looked at
        maturing = maturing.sort_values("customer_id", kind="stable") if len(maturing) else maturing
        owners = maturing["customer_id"].to_numpy(object)
        bounds = run_offsets(owners).tolist()
        self._maturing_rows = {owners[lo]: (lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])}
        self._maturing = {c: maturing[c].tolist() if c in maturing.columns else [] for c in
                          ("category", "amount", "term_days")}
        # funds matter only against the catalogue's minimum amounts: customers with the same number
        # of minimums within their funds, the same suitability and the same lacking services get
        # the same offer for a rule (a large bank has ~10⁶ candidates and a few hundred such classes)
        self._minimums = sorted({r["min_amount"] for r in records})
        self._memo: dict[tuple, RuleOffer] = {}

    def funds_class(self, funds: Decimal) -> int:
        return bisect.bisect_right(self._minimums, funds)

    def funds_classes(self, cents: np.ndarray) -> np.ndarray:
        """``funds_class`` of many amounts given in integer fen at once: an amount of whole fen is
        ≥ a minimum m exactly when it is ≥ ⌈100·m⌉ fen, so counting those thresholds ≤ the amount
        counts the minimums ≤ it."""
        thresholds = np.array([int((m * 100).to_integral_value(rounding=ROUND_CEILING)) for m in self._minimums],
                              dtype=np.int64)
        return np.searchsorted(thresholds, cents, side="right")

    def maturing_of(self, customer_id: str) -> tuple[tuple[str, ...], Decimal, int | None]:
        """What a maturity offer of this customer depends on: the categories of its maturing
        holdings, their amount (added to the funds) and the first one's term."""
        lo, hi = self._maturing_rows.get(customer_id, (0, 0))
        category, amounts, term_days = (self._maturing[c][lo:hi] for c in ("category", "amount", "term_days"))
        same = tuple(sorted({c for c in category if c}))
        amount = sum((Decimal(a) for a in amounts), Decimal("0"))
        terms = [int(t) for t in term_days if t is not None and not pd.isna(t)]
        return same, amount, terms[0] if terms else None

    def pool(self, categories: list[str], max_wealth_risk: str | None) -> list[dict]:
        cap = int(max_wealth_risk[1]) if max_wealth_risk else 9
        return [p for c in categories for p in self.by_category.get(c, ())
                if p["category"] != "wealth" or p["rating"] <= cap]


def offers_for_rule(rule: str, profile: Mapping, day: dt.date, catalogue: Catalogue,
                    who: Suitability | None = None, lacking: list[str] | None = None) -> RuleOffer:
    """The offer of one rule to one customer. The result is shared between customers of the same
    class (see ``Catalogue.funds_class``): treat it as read-only. ``who`` and ``lacking``
    (``lacking_services``) may be passed when worked out once for the customer's rules."""
    cfg = catalogue.cfg
    spec = cfg.by_rule.get(rule)
    if spec is None:
        return RuleOffer()
    current = profile.get("current")
    funds = Decimal(current) if current is not None else Decimal("0")
    who = who or Suitability.of(profile, day, cfg)
    services = tuple((lacking_services(profile) if lacking is None else lacking) if spec.services else ())
    same: tuple[str, ...] = ()
    term = None
    if spec.categories == "same_as_maturing":
        # the customer's own maturing holdings: their categories and first term lead, their
        # amounts add to the funds; customers alike in these share the offer as well
        same, amount, term = catalogue.maturing_of(profile["customer_id"])
        funds += amount
    key = (rule, who, catalogue.funds_class(funds), services, same, term)
    offer = catalogue._memo.get(key)
    if offer is None:
        offer = catalogue._memo[key] = _offer(spec, who, funds, list(services), catalogue, same, term)
    return offer


def _offer(spec, who: Suitability, funds: Decimal, services: list[str], catalogue: Catalogue,
           same: tuple[str, ...], term: int | None) -> RuleOffer:
    cfg = catalogue.cfg
    out = RuleOffer(services=services)
    if spec.categories == "same_as_maturing":
        categories = list(same) + [c for c in spec.also if c not in same]
    else:
        categories = list(spec.categories)
    if not categories:
        return out
    pool = catalogue.pool(categories, spec.max_wealth_risk)
    if not pool:
        out.dropped = NO_PRODUCT
        return out
    kept, reasons = [], set()
    for prod in pool:
        why = why_unsuitable(prod, who, funds, cfg)
        if why:
            reasons.add(why)
        else:
            kept.append(prod)
    if not kept:
        code = next(c for c in UNSUITABLE if c in reasons)
        out.dropped = Block(code, UNSUITABLE[code])
        return out

    def order(prod):
        t = prod["term_days"]
        distance = abs(t - term) if term is not None and t is not None else 10**9
        # campaign levers first, then the same category and a comparable term, then the better return
        return (-catalogue.levers.get(prod["product_id"], 1.0), prod["category"] not in same, distance,
                -prod["expected_return"], prod["product_id"])

    kept.sort(key=order)
    out.products = [p["product_id"] for p in kept]
    out.categories = [p["category"] for p in kept]
    return out
