"""Customer events (客户活动): a salon, lecture, family or leisure activity, its invitation list, RSVPs,
attendance and the follow-ups after it.

Invitees refer to customers by ``customer_id`` (the contract's string id), like the workbench's
records: a publish replaces published rows, and an event's history must never go with them. The RM's
invitation call and post-event follow-up are ``workbench.FollowUp`` rows, so they show on Today and
on the schedule.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Event(models.Model):
    class Kind(models.TextChoices):
        WEALTH_SALON = "wealth_salon", "财富沙龙 / wealth salon"
        LECTURE = "lecture", "专家讲座（经济与市场）/ expert lecture"
        FAMILY = "family", "亲子活动 / family activity"
        LEISURE = "leisure", "休闲出游 / leisure trip"

    # family and leisure events are for the relationship: no product is offered at them
    RELATIONSHIP_KINDS = frozenset({Kind.FAMILY, Kind.LEISURE})

    class Status(models.TextChoices):
        PLANNED = "planned", "筹备中 / planned"
        INVITING = "inviting", "邀约中 / inviting"
        HELD = "held", "已举办 / held"
        CANCELLED = "cancelled", "已取消 / cancelled"

    name = models.CharField("活动名称 / name", max_length=200)
    kind = models.CharField("类型 / kind", max_length=20, choices=Kind.choices)
    relationship_only = models.BooleanField("仅维护关系（不推介产品）/ relationship only", default=False)
    branch_id = models.CharField("支行 / branch", max_length=32, db_index=True)
    starts_at = models.DateTimeField("时间 / when", db_index=True)
    place = models.CharField("地点 / place", max_length=200)
    capacity = models.PositiveIntegerField("名额 / capacity")
    products = models.CharField("推介产品 / products", max_length=300, blank=True)  # ';'-separated product_ids
    description = models.TextField("说明 / description", blank=True)
    segment = models.JSONField("邀约客群 / segment", default=dict, blank=True)
    status = models.CharField("状态 / status", max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events_created")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "客户活动 / event"
        verbose_name_plural = "客户活动 / events"

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d} {self.name}"

    @property
    def product_list(self) -> list[str]:
        return [p for p in (self.products or "").split(";") if p]

    def clean(self):
        if self.kind in self.RELATIONSHIP_KINDS:
            self.relationship_only = True
        if self.relationship_only and self.product_list:
            raise ValidationError("仅维护关系的活动不推介产品 / a relationship-only event carries no product offers")


class Invitation(models.Model):
    class Rsvp(models.TextChoices):
        PENDING = "pending", "待回复 / pending"
        ACCEPTED = "accepted", "接受 / accepted"
        DECLINED = "declined", "婉拒 / declined"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    customer_id = models.CharField("客户号 / customer", max_length=64, db_index=True)
    staff_id = models.CharField("客户经理 / RM", max_length=32, blank=True, db_index=True)
    rsvp = models.CharField("回复 / RSVP", max_length=10, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_at = models.DateTimeField(null=True, blank=True)
    guests = models.PositiveSmallIntegerField("同行人数 / guests", default=0)
    attended = models.BooleanField("出席 / attended", null=True, blank=True)  # None: not recorded yet
    # why no invitation message went out (no consent, do not disturb …); the RM's call still can
    message_refused = models.CharField("短信未发原因 / message not sent", max_length=200, blank=True)
    message = models.ForeignKey("outreach.OutboxMessage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    invite_task = models.ForeignKey("workbench.FollowUp", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    follow_up = models.ForeignKey("workbench.FollowUp", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "customer_id"]
        verbose_name = "活动邀约 / invitation"
        verbose_name_plural = "活动邀约 / invitations"
        constraints = [models.UniqueConstraint(fields=["event", "customer_id"], name="invitation_once_per_event")]
