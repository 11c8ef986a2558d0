"""``record(...)``: the one way the app writes an audit event."""

from __future__ import annotations

from django.conf import settings

from .models import AuditEvent


def client_ip(request) -> str | None:
    """The caller's address. A forwarded header is trusted only when settings name it
    (``YUANWEI_CLIENT_IP_HEADER``, e.g. ``HTTP_X_FORWARDED_FOR`` behind the bank's proxy)."""
    if request is None:
        return None
    header = getattr(settings, "YUANWEI_CLIENT_IP_HEADER", None)
    value = request.META.get(header) if header else None
    if value:
        return value.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record(request, action: str, *, user=None, object_type: str = "", object_id: str = "",
           detail: dict | None = None, username: str | None = None) -> AuditEvent:
    if user is None and request is not None:
        u = getattr(request, "user", None)
        user = u if (u is not None and u.is_authenticated) else None
    name = username if username is not None else (user.get_username() if user is not None else "")
    return AuditEvent.objects.create(
        user=user, username=name[:150], action=action, object_type=object_type,
        object_id=str(object_id)[:128], ip=client_ip(request), detail=detail or {},
    )
