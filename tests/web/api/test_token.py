"""POST /api/token: JSON username/password → {"token": …}; Bearer afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yuanwei.web.apps.api.models import ApiToken
from yuanwei.web.apps.audit.models import AuditAction, AuditEvent

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_issues_a_token_that_authenticates(client, rm, bank):
    r = client.post("/api/token", {"username": "R001", "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 200
    token = r.json()["token"]
    assert len(token) >= 40
    assert client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN, user=rm).exists()
    # only a hash is stored
    assert not ApiToken.objects.filter(digest=token).exists()


def test_it_refuses_a_wrong_password_and_audits_it(client, rm):
    r = client.post("/api/token", {"username": "R001", "password": "nope"}, content_type="application/json")
    assert r.status_code == 401 and "用户名或密码错误" in r.json()["detail"]
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, username="R001").exists()


def test_it_refuses_an_inactive_user(client, left_rm):
    r = client.post("/api/token", {"username": "R009", "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 401


def test_it_throttles_like_the_login_page(client, rm):
    for _ in range(5):
        client.post("/api/token", {"username": "R001", "password": "nope"}, content_type="application/json")
    r = client.post("/api/token", {"username": "R001", "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 429


def test_it_refuses_bad_or_expired_tokens(client, rm, bank):
    assert client.get("/api/tasks").status_code == 401
    assert client.get("/api/tasks", HTTP_AUTHORIZATION="Bearer made-up").status_code == 401
    tok, raw = ApiToken.issue(rm)
    ApiToken.objects.filter(pk=tok.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_the_openapi_docs_are_served_without_a_cdn(client):
    r = client.get("/api/docs")
    body = r.content.decode()
    assert r.status_code == 200 and "swagger-ui-bundle.js" in body and "cdn" not in body.lower()
    schema = client.get("/api/openapi.json").json()
    assert {"/api/token", "/api/tasks", "/api/customers/{customer_id}", "/api/contacts"} <= set(schema["paths"])
