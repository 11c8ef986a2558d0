"""Login throttling with Django's cache (no extra package).

Failed logins are counted per username and per client address for ``YUANWEI_LOGIN_WINDOW``
seconds (default 900). Once ``YUANWEI_LOGIN_MAX_FAILURES`` (default 5) is reached, further
attempts for that username or address are refused with 429 until the window passes, and a
successful login clears the username's count. The middleware guards the login page and the API's
token endpoint, so the same rule applies to both.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, JsonResponse
from django.shortcuts import resolve_url

from .log import client_ip


def _cache():
    # the file cache shared by every worker process (settings.CACHES['shared'])
    return caches["shared"]


def _window() -> int:
    return int(getattr(settings, "YUANWEI_LOGIN_WINDOW", 900))


def _limit() -> int:
    return int(getattr(settings, "YUANWEI_LOGIN_MAX_FAILURES", 5))


def _key(kind: str, value: str) -> str:
    return "yw-login:%s:%s" % (kind, hashlib.sha256(value.encode("utf-8")).hexdigest()[:32])


def _keys(request, username: str) -> list[str]:
    keys = []
    if username:
        keys.append(_key("user", username.lower()))
    ip = client_ip(request)
    if ip:
        keys.append(_key("ip", ip))
    return keys


def failed(request, username: str) -> None:
    for k in _keys(request, username):
        if not _cache().add(k, 1, _window()):
            try:
                _cache().incr(k)
            except ValueError:  # expired between add and incr
                _cache().set(k, 1, _window())


def reset(request, username: str) -> None:
    _cache().delete(_key("user", username.lower()))


def is_blocked(request, username: str) -> bool:
    # an address gets a wider allowance (several RMs may share a NAT address)
    ip = client_ip(request)
    if username and (_cache().get(_key("user", username.lower())) or 0) >= _limit():
        return True
    return bool(ip) and (_cache().get(_key("ip", ip)) or 0) >= _limit() * 4


class LoginThrottleMiddleware:
    """Refuses POSTs to the login page or the API token endpoint while throttled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _guarded(self, path: str) -> bool:
        login = resolve_url(getattr(settings, "LOGIN_URL", "/accounts/login/"))
        return path == login or path in getattr(settings, "YUANWEI_THROTTLED_PATHS", ("/api/token",))

    def __call__(self, request):
        if request.method == "POST" and self._guarded(request.path):
            username = request.POST.get("username", "") if request.content_type != "application/json" else ""
            if not username and request.content_type == "application/json":
                import json

                try:
                    username = str(json.loads(request.body or b"{}").get("username", ""))
                except (ValueError, AttributeError):
                    username = ""
            if is_blocked(request, username):
                from .log import record
                from .models import AuditAction

                record(request, AuditAction.LOGIN_BLOCKED, username=username[:150])
                msg = "登录失败次数过多，请15分钟后再试 / too many failed logins, try again later"
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": msg}, status=429)
                return HttpResponse(msg, status=429, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
