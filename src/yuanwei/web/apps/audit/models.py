"""AuditEvent: one append-only row per audited action.

Append-only is enforced in the model (save of an existing row, delete) and in the queryset
(update, delete), so no code path in the app can rewrite history; the admin is read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    LOGIN = "login", "登录 / login"
    LOGIN_FAILED = "login_failed", "登录失败 / login failed"
    LOGIN_BLOCKED = "login_blocked", "登录受限 / login throttled"
    LOGOUT = "logout", "退出 / logout"
    REVEAL = "reveal", "查看敏感信息 / reveal personal data"
    EXPORT = "export", "导出 / export"
    CONTACT_CREATE = "contact_create", "新增联系记录 / contact logged"
    CONTACT_UPDATE = "contact_update", "修改联系记录 / contact changed"
    API_TOKEN = "api_token", "签发API令牌 / API token issued"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only / 审计日志不可修改")

    def delete(self):
        raise AppendOnlyError("audit events are append-only / 审计日志不可删除")


class AuditEvent(models.Model):
    at = models.DateTimeField("时间 / when", default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="用户 / user")
    # kept as text too: the row must still say who it was if the user is removed
    username = models.CharField("用户名 / username", max_length=150, blank=True)
    action = models.CharField("操作 / what", max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField("对象类型 / object type", max_length=64, blank=True)
    object_id = models.CharField("对象 / object", max_length=128, blank=True, db_index=True)
    ip = models.GenericIPAddressField("来源IP / from", null=True, blank=True)
    detail = models.JSONField("详情 / detail", default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "审计事件 / audit event"
        verbose_name_plural = "审计日志 / audit log"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only / 审计日志不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only / 审计日志不可删除")
