"""Creating and launching campaigns: quotas by cascade, targets from the segment, notices, levers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from yuanwei.web.apps.accounts.models import StaffProfile

from . import cascade, levers, segment
from .models import Campaign, CampaignProduct, CampaignTarget, Quota, Sale
from .sales import credit_sale

NOTICE_TEXT = "{title}您好，{branch_name}近期推出「{product_name}」，如需了解详情，欢迎联系您的客户经理{rm_name}。"


def sellers_of(branch_id: str) -> list[cascade.Seller]:
    return [cascade.Seller(p.staff_id, p.branch_id, p.team or "", p.hired_on)
            for p in StaffProfile.objects.filter(branch_id=branch_id, role__in=cascade.QUOTA_ROLES,
                                                 user__is_active=True).order_by("staff_id")]


@transaction.atomic
def create_campaign(*, user, branch_id: str, name: str, product_ids: list[str], starts_on: dt.date,
                    ends_on: dt.date, branch_quota: Decimal, segment_filters: dict, day: dt.date,
                    **rules) -> Campaign:
    c = Campaign.objects.create(name=name, branch_id=branch_id, starts_on=starts_on, ends_on=ends_on,
                                segment=segment_filters, created_by=user, **rules)
    CampaignProduct.objects.bulk_create([CampaignProduct(campaign=c, product_id=p) for p in product_ids])
    plan = cascade.cascade({branch_id: branch_quota}, sellers_of(branch_id), starts_on, c.junior_weight)
    quotas = [Quota(campaign=c, level=Quota.BRANCH, branch_id=branch_id, amount=Decimal(branch_quota).quantize(cascade.FEN))]
    quotas += [Quota(campaign=c, level=Quota.TEAM, branch_id=b, team=t, amount=a) for (b, t), a in plan.teams.items()]
    quotas += [Quota(campaign=c, level=Quota.RM, branch_id=branch_id, staff_id=s, amount=a) for s, a in plan.sellers.items()]
    Quota.objects.bulk_create(quotas)
    CampaignTarget.objects.bulk_create([
        CampaignTarget(campaign=c, customer_id=cid, staff_id=sid, score=score)
        for cid, sid, score in segment.build_targets(segment_filters, product_ids, day, branch_id)])
    return c


def launch(campaign: Campaign, user, notice_top: int = 200) -> dict:
    """Launch: credit the period's sales so far, queue the pre-launch notice to the best consenting
    targets (through the outbox, which refuses the rest), and publish the levers for the next run."""
    from yuanwei.outreach import templates as tpl
    from yuanwei.web.apps.customers.models import Branch, Customer, Product
    from yuanwei.web.apps.outreach.delivery import Refused, queue_message
    from yuanwei.web.apps.outreach.texts import title_of

    campaign.status = Campaign.LAUNCHED
    campaign.save(update_fields=["status"])
    for sale in Sale.objects.filter(sold_on__gte=campaign.starts_on, sold_on__lte=campaign.ends_on,
                                    product_id__in=campaign.product_ids):
        credit_sale(sale)
    product = Product.objects.filter(product_id__in=campaign.product_ids).order_by("product_id").first()
    branch = Branch.objects.filter(branch_id=campaign.branch_id).values_list("name", flat=True).first() or ""
    names = dict(StaffProfile.objects.values_list("staff_id", "name"))
    queued = refused = 0
    targets = list(campaign.targets.order_by("-score", "customer_id")[:notice_top])
    customers = Customer.objects.in_bulk([t.customer_id for t in targets])
    for t in targets:
        customer = customers.get(t.customer_id)
        if customer is None:
            continue
        text = tpl.render(NOTICE_TEXT, {"title": title_of(customer), "branch_name": branch,
                                        "product_name": product.name if product else campaign.name,
                                        "rm_name": names.get(t.staff_id, "")}).text
        try:
            _, created = queue_message(key=f"campaign:{campaign.pk}:{t.customer_id}", customer=customer,
                                       purpose="campaign", gateway="sms", text=text, staff=user,
                                       source="campaign", source_ref=str(campaign.pk))
            queued += created
            if created:
                CampaignTarget.objects.filter(pk=t.pk).update(notified=True)
        except Refused:
            refused += 1
    lever_rows = levers.write_levers()
    return {"queued": queued, "refused": refused, "levers": lever_rows}
