"""API bearer tokens. Only a hash is stored: a leaked database does not leak usable tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API令牌 / API token"

    @classmethod
    def issue(cls, user) -> tuple["ApiToken", str]:
        raw = secrets.token_urlsafe(32)
        hours = int(getattr(settings, "YUANWEI_API_TOKEN_HOURS", 12))
        token = cls.objects.create(user=user, digest=hash_token(raw), expires_at=timezone.now() + timedelta(hours=hours))
        return token, raw

    @classmethod
    def user_for(cls, raw: str):
        """The active user a raw token belongs to, or None (unknown, expired, inactive user)."""
        if not raw:
            return None
        token = cls.objects.select_related("user").filter(digest=hash_token(raw)).first()
        if token is None or token.expires_at <= timezone.now() or not token.user.is_active:
            return None
        now = timezone.now()
        # touch at most once a minute: a busy softphone should not write on every call
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
