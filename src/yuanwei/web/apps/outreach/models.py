"""Outreach: message templates and talk scripts (versions kept), and the outbox.

An ``OutboxMessage`` is created once per idempotency ``key`` (e.g. ``birthday:2026-11-30:C000123``):
queueing the same greeting twice finds the existing row. The worker (``delivery.py``) moves it
queued → sending → sent / failed, never sending a message twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PURPOSES = [
    ("birthday", _("Birthday greeting")), ("relative_birthday", _("Relative's birthday")),
    ("maturity", _("Maturity notice")), ("brief", _("Market brief")),
    ("event_invitation", _("Event invitation")), ("welcome", _("Welcome")),
    ("campaign", _("Campaign notice")),
]
# purposes that are marketing: they need the customer's marketing consent (DESIGN §5)
MARKETING_PURPOSES = {"brief", "event_invitation", "campaign"}


class Versioned(models.Model):
    """Text that managers edit: each edit is a new version (admin.VersionedAdmin); the newest active
    version of a key is the one used, the older ones are kept."""

    persona = models.CharField(_("persona"), max_length=20, blank=True, default="")
    version = models.PositiveIntegerField(_("version"), default=1)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True


class MessageTemplate(Versioned):
    """消息模板, per purpose and persona."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=PURPOSES)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [models.UniqueConstraint(fields=["purpose", "persona", "version"], name="template_version")]
        ordering = ["purpose", "persona", "-version"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.persona or '*'} v{self.version}"


class TalkScript(Versioned):
    """话术: talking points per product category (or rule) and persona."""

    category = models.CharField(_("product category or rule"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("talking points"))

    class Meta:
        verbose_name = _("talk script")
        verbose_name_plural = _("talk scripts")
        constraints = [models.UniqueConstraint(fields=["category", "persona", "version"], name="script_version")]
        ordering = ["category", "persona", "-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class OutboxMessage(models.Model):
    QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
    STATUSES = [(QUEUED, _("queued")), (SENDING, _("sending")), (SENT, _("sent")), (FAILED, _("failed"))]

    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    customer_id = models.CharField(_("customer"), max_length=32, blank=True, default="", db_index=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="outbox_messages")
    purpose = models.CharField(_("purpose"), max_length=20, choices=PURPOSES)
    gateway = models.CharField(_("gateway"), max_length=20)   # sms | wecom_robot | file
    to = models.CharField(_("to"), max_length=40, blank=True, default="")
    text = models.TextField(_("text"))
    segments = models.PositiveSmallIntegerField(_("SMS segments"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    source = models.CharField(_("source"), max_length=20, blank=True, default="")  # task / campaign / event
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.key} [{self.status}]"
