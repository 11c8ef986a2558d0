"""Credit rules (业绩计算): who is credited how much for a sale in a campaign.

- The seller is credited the sale amount × the campaign's bonus multiplier.
- 双算 (double credit): when the customer is a VIP (tier in the campaign's VIP tiers) and has a wealth
  advisor assigned who is not the seller, the advisor is credited the same amount too — both count
  the sale in full, as banks do to make RMs and advisors serve VIPs together.
- Score against the quota: credited − shortfall_deduction × max(0, quota − credited).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Credit:
    staff_id: str
    amount: Decimal
    reason: str  # seller | double_credit_advisor


def credits_for(amount: Decimal, seller: str, tier: str | None, advisor: str | None, *,
                double_credit: bool, vip_tiers: set[str], bonus_multiplier: Decimal) -> list[Credit]:
    credited = (Decimal(amount) * Decimal(bonus_multiplier)).quantize(FEN)
    out = [Credit(seller, credited, "seller")]
    if double_credit and tier in vip_tiers and advisor and advisor != seller:
        out.append(Credit(advisor, credited, "double_credit_advisor"))
    return out


def score(credited: Decimal, quota: Decimal | None, shortfall_deduction: Decimal) -> Decimal:
    if not quota:
        return Decimal(credited).quantize(FEN)
    shortfall = max(Decimal(0), Decimal(quota) - Decimal(credited))
    return (Decimal(credited) - Decimal(shortfall_deduction) * shortfall).quantize(FEN)


def quota_pct(credited: Decimal, quota: Decimal | None) -> float | None:
    if not quota:
        return None
    return float(Decimal(credited) / Decimal(quota) * 100)
