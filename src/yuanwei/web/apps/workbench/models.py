"""The workbench's models.

Published by a run (written only by ``publish.py``): Task (任务) and ExcludedCandidate, DESIGN §5.

Recorded by the RMs in the app: ContactLog, FollowUp, Appointment, WorkLogRemark. These refer to
customers by ``customer_id`` (the contract's string id), not by a foreign key to the published
profile: a publish replaces the day's rows, and an RM's records must never go with them. Staff are
Django users (username = staff_id).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yuanwei.contract.schema import CONTACT_CHANNELS, CONTACT_OUTCOMES
from yuanwei.web.apps.customers.models import Published, customer_fk

# DESIGN §5: every task has one purpose
PURPOSE_CHOICES = [("service", _("Service")), ("care", _("Care")), ("marketing", _("Marketing"))]


class Task(Published):
    """One customer for one RM on one day, with reasons and offers. Per-date rows."""

    date = models.DateField(_("date"))
    staff_id = models.CharField(_("staff"), max_length=32)
    rank = models.IntegerField(_("rank"))
    customer = customer_fk(related_name="tasks")
    rules = models.CharField(_("rules"), max_length=300)       # ';'-separated rule ids
    purpose = models.CharField(_("purpose"), max_length=10, choices=PURPOSE_CHOICES)
    channel = models.CharField(_("channel"), max_length=20, null=True, blank=True)
    offers = models.CharField(_("offers"), max_length=300, null=True, blank=True)  # ';'-separated
    window = models.CharField(_("call window"), max_length=11, null=True, blank=True)  # HH:MM-HH:MM
    score = models.FloatField(_("score"), null=True, blank=True)
    urgency = models.FloatField(_("urgency"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    propensity = models.FloatField(_("propensity"), null=True, blank=True)
    levers = models.FloatField(_("levers"), null=True, blank=True)
    policy_notes = models.TextField(_("policy notes"), null=True, blank=True)
    explanation = models.TextField(_("explanation"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=60, null=True, blank=True)
    carried_over_from = models.DateField(_("carried over from"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["date", "staff_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["date", "staff_id", "customer"], name="task_key")]
        indexes = [models.Index(fields=["date", "staff_id", "rank"], name="task_date_staff_rank"),
                   models.Index(fields=["customer", "date"], name="task_customer_date")]

    def __str__(self):
        return f"{self.date} {self.staff_id} #{self.rank} {self.customer_id}"

    @property
    def rule_list(self) -> list[str]:
        return [r for r in (self.rules or "").split(";") if r]

    @property
    def offer_list(self) -> list[str]:
        return [o for o in (self.offers or "").split(";") if o]


class ExcludedCandidate(Published):
    """A candidate (customer, rule) that did not become a task on `date`, and why. Per-date rows."""

    date = models.DateField(_("date"))
    customer = customer_fk(related_name="excluded_candidates")
    rule = models.CharField(_("rule"), max_length=40)
    staff_id = models.CharField(_("staff"), max_length=32, null=True, blank=True)
    reason_code = models.CharField(_("reason code"), max_length=40)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("excluded candidate")
        verbose_name_plural = _("excluded candidates")
        indexes = [models.Index(fields=["date", "customer"], name="excluded_date_customer")]


# --- what the RMs record ------------------------------------------------------------

CHANNEL_LABELS = {
    "phone": "电话", "wechat": "微信", "sms": "短信", "visit": "上门", "branch": "网点",
}
OUTCOME_LABELS = {
    "reached": "已接通", "no_answer": "未接通", "refused": "拒绝", "interested": "有意向",
    "appointment": "已预约", "sold": "已成交", "do_not_disturb": "免打扰",
}
assert set(CHANNEL_LABELS) == set(CONTACT_CHANNELS) and set(OUTCOME_LABELS) == set(CONTACT_OUTCOMES)

Channel = models.TextChoices("Channel", [(c, (c, f"{CHANNEL_LABELS[c]} / {c}")) for c in CONTACT_CHANNELS])
Outcome = models.TextChoices("Outcome", [(o, (o, f"{OUTCOME_LABELS[o]} / {o}")) for o in CONTACT_OUTCOMES])


def _contact_id() -> str:
    # contract ids are strings; a prefix keeps them apart from the bank's own contact ids
    return "YW" + uuid.uuid4().hex[:20].upper()


class ContactLog(models.Model):
    """One contact an RM logged (page or API); exported as contract ``contacts`` rows."""

    contact_id = models.CharField("联系编号 / contact id", max_length=32, unique=True, default=_contact_id,
                                  editable=False)
    customer_id = models.CharField("客户号 / customer", max_length=64, db_index=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_logs",
                              verbose_name="客户经理 / staff")
    at = models.DateTimeField("联系时间 / at", default=timezone.now, db_index=True)
    task_date = models.DateField("任务日期 / task date", null=True, blank=True, db_index=True)
    channel = models.CharField("渠道 / channel", max_length=16, choices=Channel.choices)
    outcome = models.CharField("结果 / outcome", max_length=16, choices=Outcome.choices)
    product_id = models.CharField("产品 / product", max_length=64, blank=True)
    amount = models.DecimalField("金额 / amount", max_digits=18, decimal_places=2, null=True, blank=True)
    note = models.TextField("备注 / note", blank=True)
    source = models.CharField("来源 / source", max_length=16, default="web")  # web / api
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "联系记录 / contact"
        verbose_name_plural = "联系记录 / contacts"
        constraints = [
            # a retried API post with the same key finds the first contact, never makes a second
            models.UniqueConstraint(fields=["staff", "idempotency_key"], name="contactlog_idempotency_per_staff"),
        ]
        indexes = [models.Index(fields=["staff", "at"])]

    def __str__(self):
        return f"{self.contact_id} {self.customer_id} {self.outcome}"

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


class FollowUp(models.Model):
    """A date on which the RM means to contact the customer again."""

    customer_id = models.CharField("客户号 / customer", max_length=64, db_index=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups")
    contact = models.ForeignKey(ContactLog, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="follow_ups")
    due_on = models.DateField("跟进日期 / due", db_index=True)
    note = models.CharField("跟进事项 / note", max_length=500, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "跟进 / follow-up"
        verbose_name_plural = "跟进 / follow-ups"


class Appointment(models.Model):
    """A branch appointment or a home visit, with its time and place."""

    class Kind(models.TextChoices):
        BRANCH = "branch", "网点预约 / branch appointment"
        HOME_VISIT = "home_visit", "上门拜访 / home visit"

    customer_id = models.CharField("客户号 / customer", max_length=64, db_index=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    contact = models.ForeignKey(ContactLog, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="appointments")
    kind = models.CharField("类型 / kind", max_length=16, choices=Kind.choices)
    starts_at = models.DateTimeField("时间 / when", db_index=True)
    place = models.CharField("地点 / place", max_length=200)
    note = models.CharField("备注 / note", max_length=500, blank=True)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "预约 / appointment"
        verbose_name_plural = "预约 / appointments"


class WorkLogRemark(models.Model):
    """The RM's own words on the day's work log (the rest of the log is written from records)."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worklog_remarks")
    day = models.DateField("日期 / day")
    text = models.TextField("备注 / remarks", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="worklogremark_one_per_day")]
        verbose_name = "工作日志备注 / work-log remark"
