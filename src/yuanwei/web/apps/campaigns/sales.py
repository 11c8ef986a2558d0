"""Recording sales and crediting them to campaigns, without counting one sale twice.

A sale is learned from a logged contact (outcome sold, product and amount) as it happens, and again
from the next extract as a new holding. The holding is matched to the contact's sale when the same
customer bought the same product within ``MATCH_DAYS`` of the contact and that sale has no holding
yet; only an unmatched holding makes a new sale (credited to the customer's remote RM, else owner).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yuanwei.web.apps.accounts.models import StaffProfile
from yuanwei.web.apps.customers.models import Customer, Holding

from . import credit
from .models import Campaign, Sale, SaleCredit

MATCH_DAYS = 7


def _seller_place(staff_id: str) -> tuple[str, str]:
    p = StaffProfile.objects.filter(staff_id=staff_id).values_list("branch_id", "team").first()
    return (p[0] or "", p[1] or "") if p else ("", "")


def credit_sale(sale: Sale) -> list[SaleCredit]:
    """(Re)compute the sale's credits in every launched campaign that covers it."""
    customer = Customer.objects.filter(customer_id=sale.customer_id).values("tier", "advisor_staff_id").first() or {}
    campaigns = (Campaign.objects.filter(status=Campaign.LAUNCHED, starts_on__lte=sale.sold_on,
                                         ends_on__gte=sale.sold_on, products__product_id=sale.product_id)
                 .distinct())
    out = []
    with transaction.atomic():
        SaleCredit.objects.filter(sale=sale).delete()
        for c in campaigns:
            if c.branch_id and c.branch_id != sale.branch_id:
                continue
            for cr in credit.credits_for(sale.amount, sale.staff_id, customer.get("tier"),
                                         customer.get("advisor_staff_id"), double_credit=c.double_credit,
                                         vip_tiers=c.vip_tier_set, bonus_multiplier=c.bonus_multiplier):
                branch_id, team = _seller_place(cr.staff_id)
                out.append(SaleCredit.objects.create(sale=sale, campaign=c, staff_id=cr.staff_id,
                                                     branch_id=branch_id, team=team, amount=cr.amount,
                                                     reason=cr.reason))
    return out


def record_from_contact(contact) -> Sale | None:
    """The sale of a logged contact (idempotent: one sale per contact; an edit updates it)."""
    sold = contact.outcome == "sold" and contact.product_id and contact.amount and contact.amount > 0
    existing = Sale.objects.filter(contact_id=contact.contact_id).first()
    if not sold:
        if existing is not None and not existing.holding_id:
            existing.delete()  # the contact was corrected: it was not a sale after all
        return None
    staff_id = contact.staff.get_username()
    branch_id, team = _seller_place(staff_id)
    fields = dict(customer_id=contact.customer_id, product_id=contact.product_id, amount=contact.amount,
                  sold_on=timezone.localdate(contact.at), staff_id=staff_id, branch_id=branch_id, team=team)
    if existing is None:
        sale = Sale.objects.create(contact_id=contact.contact_id, **fields)
    else:
        for k, v in fields.items():
            setattr(existing, k, v)
        existing.save()
        sale = existing
    credit_sale(sale)
    return sale


def record_from_holdings(since: dt.date) -> dict:
    """New holdings bought on or after ``since`` (from the latest publish) become sales unless a
    logged contact already told us. Returns counts: matched, created, known."""
    counts = {"matched": 0, "created": 0, "known": 0}
    known = set(Sale.objects.exclude(holding_id=None).values_list("holding_id", flat=True))
    for h in Holding.objects.filter(bought_on__gte=since).order_by("bought_on", "holding_id"):
        if h.holding_id in known:
            counts["known"] += 1
            continue
        match = (Sale.objects.filter(customer_id=h.customer_id, product_id=h.product_id, holding_id=None,
                                     sold_on__gte=h.bought_on - dt.timedelta(days=MATCH_DAYS),
                                     sold_on__lte=h.bought_on + dt.timedelta(days=MATCH_DAYS))
                 .order_by("sold_on", "id").first())
        if match is not None:
            match.holding_id = h.holding_id
            match.save(update_fields=["holding_id"])
            counts["matched"] += 1
            continue
        c = Customer.objects.filter(customer_id=h.customer_id).values("remote_staff_id", "owner_staff_id").first() or {}
        staff_id = c.get("remote_staff_id") or c.get("owner_staff_id") or ""
        branch_id, team = _seller_place(staff_id)
        sale = Sale.objects.create(customer_id=h.customer_id, product_id=h.product_id, amount=Decimal(h.amount),
                                   sold_on=h.bought_on, staff_id=staff_id, branch_id=branch_id, team=team,
                                   holding_id=h.holding_id)
        credit_sale(sale)
        counts["created"] += 1
    return counts
