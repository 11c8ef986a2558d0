"""Team view (/team/): each RM's progress today, contacts and outcomes, tasks left; managers only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yuanwei.web.apps.workbench.models import ContactLog

from .pins import PINS

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(rm, other_rm, bank):
    ContactLog.objects.create(customer_id="C001", staff=rm, channel="phone", outcome="sold", product_id="P100",
                              amount=Decimal("50000.00"))
    ContactLog.objects.create(customer_id="C003", staff=rm, channel="phone", outcome="no_answer")
    ContactLog.objects.create(customer_id="C002", staff=other_rm, channel="phone", outcome="reached")


def test_a_team_lead_sees_the_team(client, team_lead, contacts):
    client.force_login(team_lead)
    r = client.get("/team/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "王丽" in body and "李强" not in body  # R002 is in team 二组
    row = body.split("王丽")[1].split("</tr>")[0]
    assert "2/3" in row and "¥50,000.00" in row  # 2 contacts of a target of 3 tasks; the sale


def test_an_admin_sees_every_rm(client, admin_user, contacts):
    client.force_login(admin_user)
    body = client.get("/team/").content.decode()
    assert "王丽" in body and "李强" in body and "钱伟" in body


def test_a_branch_head_sees_only_the_branch(client, other_head, contacts):
    client.force_login(other_head)
    body = client.get("/team/").content.decode()
    assert "钱伟" in body and "王丽" not in body


def test_it_refuses_an_rm(client, rm, bank):
    client.force_login(rm)
    assert client.get("/team/").status_code == 403


def test_its_query_count_is_pinned(client, admin_user, contacts, django_assert_max_num_queries):
    client.force_login(admin_user)
    client.get("/today/")
    with django_assert_max_num_queries(PINS["workbench:team"]):
        assert client.get("/team/").status_code == 200
