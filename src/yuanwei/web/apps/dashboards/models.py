"""History the dashboards need: the app DB holds only the latest published profile, so movement
(coverage and penetration change, familiarity C→B→A) is read from per-day snapshots recorded at each
publish (``snapshot.record_day``) or when a page first needs a day.

DailyCoverage holds one row per (date, branch, RM, tier) — small (branches × RMs × 5 tiers a day),
whatever the number of customers. FamiliarityMark keeps each customer's last seen familiarity so a
publish can record only the customers whose familiarity moved (FamiliarityMove).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


def _money(label):
    return models.DecimalField(label, max_digits=20, decimal_places=2, default=0)


class DailyCoverage(models.Model):
    date = models.DateField("日期 / date")
    branch_id = models.CharField("支行 / branch", max_length=32)
    staff_id = models.CharField("客户经理 / RM", max_length=32, blank=True)  # "": unassigned (long tail)
    tier = models.CharField("等级 / tier", max_length=4, blank=True)
    customers = models.IntegerField("客户数 / customers", default=0)
    contacted_30 = models.IntegerField("30天内联系 / contacted in 30 days", default=0)
    contacted_90 = models.IntegerField("90天内联系 / contacted in 90 days", default=0)
    mobile_banking = models.IntegerField("手机银行 / mobile banking", default=0)
    credit_card = models.IntegerField("信用卡 / credit card", default=0)
    third_party_binding = models.IntegerField("第三方绑卡 / third-party binding", default=0)
    investment = models.IntegerField("投资理财 / investment", default=0)
    fam_a = models.IntegerField("熟悉度A", default=0)
    fam_b = models.IntegerField("熟悉度B", default=0)
    fam_c = models.IntegerField("熟悉度C", default=0)
    aum = _money("资产 / AUM")
    deposits = _money("存款 / deposits")

    class Meta:
        verbose_name = "覆盖率快照 / coverage snapshot"
        verbose_name_plural = "覆盖率快照 / coverage snapshots"
        constraints = [models.UniqueConstraint(fields=["date", "branch_id", "staff_id", "tier"],
                                               name="daily_coverage_key")]
        indexes = [models.Index(fields=["date", "branch_id"], name="coverage_date_branch")]


class FamiliarityMark(models.Model):
    customer_id = models.CharField(max_length=64, primary_key=True)
    familiarity = models.CharField(max_length=1, blank=True)
    seen_on = models.DateField()


class FamiliarityMove(models.Model):
    date = models.DateField("日期 / date", db_index=True)
    customer_id = models.CharField("客户号 / customer", max_length=64)
    branch_id = models.CharField("支行 / branch", max_length=32, blank=True)
    staff_id = models.CharField("客户经理 / RM", max_length=32, blank=True)
    from_level = models.CharField("原熟悉度 / from", max_length=1, blank=True)
    to_level = models.CharField("新熟悉度 / to", max_length=1, blank=True)

    class Meta:
        verbose_name = "熟悉度变化 / familiarity move"
        verbose_name_plural = "熟悉度变化 / familiarity moves"


class Target(models.Model):
    """A deposits or AUM target (指标) of a branch for a period; set by the back office in the admin."""

    class Metric(models.TextChoices):
        DEPOSITS = "deposits", "存款 / deposits"
        AUM = "aum", "资产 / AUM"

    branch_id = models.CharField("支行 / branch", max_length=32, db_index=True)
    metric = models.CharField("指标 / metric", max_length=10, choices=Metric.choices)
    amount = models.DecimalField("目标金额（元）/ amount", max_digits=20, decimal_places=2)
    period_start = models.DateField("起始 / from")
    period_end = models.DateField("截止 / to")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        verbose_name = "存款/资产指标 / target"
        verbose_name_plural = "存款/资产指标 / targets"
        ordering = ["branch_id", "metric", "-period_end"]

    def __str__(self):
        return f"{self.branch_id} {self.get_metric_display()} {self.amount} ({self.period_start}–{self.period_end})"
