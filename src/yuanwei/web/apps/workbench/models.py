"""What an RM records in the app: contacts, follow-ups, appointments, work-log remarks.

Customers are referred to by ``customer_id`` (the contract's string id), not by a foreign key to
the published profile: a publish replaces the day's profile rows, and an RM's records must never go
with them. Staff are Django users (username = staff_id).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from yuanwei.contract.schema import CONTACT_CHANNELS, CONTACT_OUTCOMES

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
