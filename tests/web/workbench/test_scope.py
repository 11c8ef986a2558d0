"""Scoping: every role walks every customer-bearing URL; a customer outside scope answers 404."""

from __future__ import annotations

import pytest

from yuanwei.web.apps.workbench.scope import customers_for

pytestmark = pytest.mark.django_db

# who sees which customer (see bank.py)
VISIBLE = {
    "rm": {"C001", "C003", "C005"},          # assigned + the long-tail customer of today's task list
    "other_rm": {"C002"},
    "team_lead": {"C001", "C003", "C005"},   # team 一组 = R001 (and the lead)
    "other_head": {"C004"},                  # branch B02
    "admin_user": {"C001", "C002", "C003", "C004", "C005"},
}
CUSTOMERS = ["C001", "C002", "C003", "C004", "C005"]
URLS = [
    ("get", "/customers/{cid}/"),
    ("get", "/customers/{cid}/reveal/"),
    ("post", "/customers/{cid}/reveal/"),
    ("get", "/customers/{cid}/contact/"),
    ("post", "/customers/{cid}/contact/"),
    ("api", "/api/customers/{cid}"),
    ("api_post", "/api/contacts"),
]


@pytest.mark.parametrize("who", list(VISIBLE))
def test_customers_for_follows_the_role(request, bank, who):
    user = request.getfixturevalue(who)
    assert set(customers_for(user).values_list("customer_id", flat=True)) == VISIBLE[who]


def test_a_user_without_a_staff_profile_sees_nobody(bank, django_user_model):
    u = django_user_model.objects.create_user("X1", password="pw-x-123456")
    assert not customers_for(u).exists()


@pytest.mark.parametrize("who", list(VISIBLE))
def test_every_role_on_every_customer_url(request, client, bank, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    from yuanwei.web.apps.api.models import ApiToken

    _, token = ApiToken.issue(user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for cid in CUSTOMERS:
        allowed = cid in VISIBLE[who]
        for method, pattern in URLS:
            url = pattern.format(cid=cid)
            if method == "get":
                r = client.get(url)
            elif method == "post":
                r = client.post(url, {"reason": "核对", "channel": "phone", "outcome": "no_answer"})
            elif method == "api":
                r = client.get(url, **auth)
            else:
                r = client.post(url, {"customer_id": cid, "channel": "phone", "outcome": "no_answer"},
                                content_type="application/json", **auth)
            if allowed:
                assert r.status_code in (200, 201, 302), (who, cid, method, url, r.status_code)
            else:
                assert r.status_code == 404, (who, cid, method, url, r.status_code)


def test_an_anonymous_visitor_is_sent_to_login(client, bank):
    for url in ("/today/", "/customers/C001/", "/schedule/", "/worklog/", "/team/"):
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url
    assert client.get("/api/customers/C001").status_code == 401


def test_a_long_tail_customer_leaves_scope_with_the_task(client, rm, bank, day):
    from yuanwei.web.apps.workbench.models import Task

    client.force_login(rm)
    assert client.get("/customers/C003/").status_code == 200
    Task.objects.filter(customer_id="C003").delete()
    assert client.get("/customers/C003/").status_code == 404
