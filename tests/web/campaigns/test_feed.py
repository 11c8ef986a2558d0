"""The live feed over a real HTTP connection, and the sale's push to a WeCom group robot through
the outbox: a failing, timing-out and recovering webhook announces each sale exactly once."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import httpx
import pytest

from yuanwei.outreach.gateways import WeComRobotGateway
from yuanwei.web.apps.campaigns.feed import headline
from yuanwei.web.apps.campaigns.models import Sale
from yuanwei.web.apps.campaigns.services import launch
from yuanwei.web.apps.outreach.delivery import Policy, deliver_due
from yuanwei.web.apps.outreach.models import OutboxMessage
from yuanwei.web.apps.workbench.models import ContactLog

from outreach.fake_servers import FakeGateway  # tests/outreach

NOON = dt.datetime(2026, 11, 30, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


def sell(user, customer_id="C2", amount="200000.00"):
    return ContactLog.objects.create(customer_id=customer_id, staff=user, channel="phone", outcome="sold",
                                     product_id="P90", amount=D(amount))


def test_headline_reads_like_a_sales_announcement(campaign, rm):
    sell(rm)
    assert headline(Sale.objects.get()) == "锦江支行 王丽 售出 稳享90天理财 ¥200,000"


@pytest.mark.django_db(transaction=True)
def test_the_feed_shows_a_sale_over_http_as_it_is_logged(live_server, client, campaign, rm, bank):
    client.force_login(bank["head"])
    cookies = {"sessionid": client.cookies["sessionid"].value}
    # the production settings redirect to HTTPS; a TLS proxy in front says the request was secure
    with httpx.Client(base_url=live_server.url, cookies=cookies, headers={"X-Forwarded-Proto": "https"}) as http:
        page = http.get("/campaigns/feed/")
        assert page.status_code == 200 and "暂无成交" in page.text
        assert http.get("/campaigns/feed/items/?after=0").text.strip() == ""
        sell(rm)  # an RM logs a sale
        items = http.get("/campaigns/feed/items/?after=0")
        assert "锦江支行 王丽 售出 稳享90天理财 ¥200,000" in items.text
        last = items.headers["X-Feed-Last"]
        assert http.get(f"/campaigns/feed/items/?after={last}").text.strip() == ""  # nothing new, nothing twice


def test_an_rm_of_another_branch_sees_nothing(client, campaign, rm, other_head):
    sell(rm)
    client.force_login(other_head)
    assert "售出" not in client.get("/campaigns/feed/items/?after=0").content.decode()


def test_each_sale_is_pushed_once_through_failure_timeout_and_recovery(campaign, rm, bank):
    launch(campaign, bank["head"])
    sell(rm, "C1", "300000.00")
    sell(rm, "C2", "50000.00")
    pushes = OutboxMessage.objects.filter(key__startswith="sale:")
    pushes.update(next_attempt_at=NOON - dt.timedelta(minutes=1))  # queued before our simulated noon
    assert pushes.count() == 2 and all(m.gateway == "wecom_robot" for m in pushes)
    state = {"now": NOON}
    fast = Policy(per_minute={"wecom_robot": 100_000})
    script = [(500, {}, 0), (200, {"errcode": 45009, "errmsg": "freq"}, 0),  # fails, rate-limited
              (200, {"errcode": 0, "errmsg": "ok"}, 0)]                      # then recovers
    with FakeGateway(script) as server:
        gw = {"wecom_robot": WeComRobotGateway(server.url)}
        for _ in range(4):
            deliver_due(gw, fast, now=lambda: state["now"])
            state["now"] += dt.timedelta(minutes=5)
    texts = [r["json"]["text"]["content"] for r in server.requests]
    delivered = [m for m in OutboxMessage.objects.filter(key__startswith="sale:") if m.status == "sent"]
    assert len(delivered) == 2
    # each announcement reached the group exactly once among the successful answers
    assert sorted(m.text for m in delivered) == sorted(set(texts))
    assert all(t.startswith("【喜报】锦江支行 王丽 售出 稳享90天理财") for t in texts)
