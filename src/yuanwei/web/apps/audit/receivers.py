"""Logins, failed logins and logouts go to the audit log wherever they happen (pages or API)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import throttle
from .log import record
from .models import AuditAction


@receiver(user_logged_in, dispatch_uid="audit_login")
def on_login(sender, request, user, **kwargs):
    record(request, AuditAction.LOGIN, user=user)
    throttle.reset(request, user.get_username())


@receiver(user_logged_out, dispatch_uid="audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(request, AuditAction.LOGOUT, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    record(request, AuditAction.LOGIN_FAILED, username=username)
    throttle.failed(request, username)
