"""Key-product campaigns (重点产品营销): products, period, targets, quotas, credit rules, sales.

Quotas cascade branch → team → RM (``cascade.py``); sales come from logged contacts (outcome sold)
and from later extracts (new holdings), de-duplicated, and are credited to staff by the campaign's
credit rules (``credit.py``): double credit (双算) when an RM and a wealth advisor serve a VIP
together, a bonus multiplier, and a deduction for a shortfall against the quota.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

VIP_TIERS_DEFAULT = "财富,钻石,私行"


class Campaign(models.Model):
    DRAFT, LAUNCHED, CLOSED = "draft", "launched", "closed"
    STATUSES = [(DRAFT, _("draft")), (LAUNCHED, _("launched")), (CLOSED, _("closed"))]

    name = models.CharField(_("name"), max_length=200)
    branch_id = models.CharField(_("branch"), max_length=32, blank=True, default="",
                                 help_text=_("empty: bank-wide"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=DRAFT)
    segment = models.JSONField(_("segment"), default=dict, blank=True)  # filters that built the targets
    # priority the campaign's targets get in the daily run's arbitration (a lever, never a policy bypass)
    lever = models.DecimalField(_("priority lever"), max_digits=4, decimal_places=2, default=Decimal("1.50"))
    # credit rules
    double_credit = models.BooleanField(_("double credit for RM + advisor on VIPs (双算)"), default=True)
    vip_tiers = models.CharField(_("VIP tiers"), max_length=60, default=VIP_TIERS_DEFAULT)
    bonus_multiplier = models.DecimalField(_("bonus multiplier"), max_digits=4, decimal_places=2, default=Decimal("1.00"))
    shortfall_deduction = models.DecimalField(
        _("shortfall deduction rate"), max_digits=4, decimal_places=2, default=Decimal("0.00"),
        help_text=_("score deducted per yuan of shortfall against the quota at the end of the period"))
    # tenure rule for the cascade: RMs hired less than a year before the start carry this weight
    junior_weight = models.DecimalField(_("weight of RMs under one year"), max_digits=4, decimal_places=2,
                                        default=Decimal("0.50"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def vip_tier_set(self) -> set[str]:
        return {t.strip() for t in self.vip_tiers.split(",") if t.strip()}

    @property
    def product_ids(self) -> list[str]:
        return [p.product_id for p in self.products.all()]

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class CampaignProduct(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="products")
    product_id = models.CharField(_("product"), max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "product_id"], name="campaign_product")]


class Quota(models.Model):
    """指标: a target for a branch, a team or an RM."""

    BRANCH, TEAM, RM = "branch", "team", "rm"
    LEVELS = [(BRANCH, _("branch")), (TEAM, _("team")), (RM, _("RM"))]

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="quotas")
    level = models.CharField(_("level"), max_length=10, choices=LEVELS)
    branch_id = models.CharField(_("branch"), max_length=32)
    team = models.CharField(_("team"), max_length=100, blank=True, default="")
    staff_id = models.CharField(_("staff"), max_length=32, blank=True, default="")
    amount = models.DecimalField(_("target amount"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("quota")
        constraints = [models.UniqueConstraint(fields=["campaign", "level", "branch_id", "team", "staff_id"],
                                               name="quota_key")]

    @property
    def holder(self) -> str:
        return self.staff_id or self.team or self.branch_id


class CampaignTarget(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    customer_id = models.CharField(_("customer"), max_length=32, db_index=True)
    staff_id = models.CharField(_("staff"), max_length=32, blank=True, default="", db_index=True)
    score = models.FloatField(_("score"), default=0)
    notified = models.BooleanField(_("pre-launch notice queued"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "customer_id"], name="campaign_target")]


class Sale(models.Model):
    """One sale, whatever told us first: a logged contact or a new holding in an extract."""

    CONTACT, HOLDING = "contact", "holding"
    customer_id = models.CharField(_("customer"), max_length=32, db_index=True)
    product_id = models.CharField(_("product"), max_length=32, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    sold_on = models.DateField(_("sold on"), db_index=True)
    staff_id = models.CharField(_("seller"), max_length=32, db_index=True)
    branch_id = models.CharField(_("branch"), max_length=32, blank=True, default="", db_index=True)
    team = models.CharField(_("team"), max_length=100, blank=True, default="")
    contact_id = models.CharField(_("contact"), max_length=40, null=True, blank=True, unique=True)
    holding_id = models.CharField(_("holding"), max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-created_at", "-id"]

    @property
    def source(self) -> str:
        return self.CONTACT if self.contact_id else self.HOLDING


class SaleCredit(models.Model):
    """The credit one staff member gets for a sale in a campaign (双算: two rows at 100%)."""

    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="credits")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="credits")
    staff_id = models.CharField(_("staff"), max_length=32, db_index=True)
    branch_id = models.CharField(_("branch"), max_length=32, blank=True, default="")
    team = models.CharField(_("team"), max_length=100, blank=True, default="")
    amount = models.DecimalField(_("credited amount"), max_digits=18, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=40)  # seller / double_credit_advisor

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sale", "campaign", "staff_id"], name="credit_key")]
