"""The outbox worker against local fake gateways: success, failure, time-out, rate limits, a crash
in the middle of a batch — every message delivered exactly once or failed with the reason."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from yuanwei.outreach.gateways import FileGateway, HttpSmsGateway, WeComRobotGateway
from yuanwei.web.apps.outreach.delivery import Policy, Refused, deliver_due, queue_message
from yuanwei.web.apps.outreach.models import OutboxMessage

from outreach.fake_servers import FakeGateway  # tests/outreach, one copy for all tests

NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FAST = Policy(per_minute={"sms": 100_000, "wecom_robot": 100_000, "file": 100_000})


def clock(start=NOON):
    state = {"now": start}

    def now():
        return state["now"]

    def advance(seconds):
        state["now"] = state["now"] + dt.timedelta(seconds=seconds)

    return now, advance


def queue(customers, n=1, gateway="sms", purpose="birthday"):
    msgs = []
    for i in range(n):
        msg, _ = queue_message(key=f"{purpose}:2026-11-30:{i}", customer=customers["C001"], purpose=purpose,
                               gateway=gateway, text=f"王先生您好，祝您生日快乐！{i}")
        OutboxMessage.objects.filter(pk=msg.pk).update(next_attempt_at=NOON - dt.timedelta(minutes=1))
        msgs.append(msg)
    return msgs


def test_it_queues_a_key_once(customers):
    a, created_a = queue_message(key="k1", customer=customers["C001"], purpose="birthday", gateway="sms", text="您好")
    b, created_b = queue_message(key="k1", customer=customers["C001"], purpose="birthday", gateway="sms", text="您好")
    assert (created_a, created_b) == (True, False) and a.pk == b.pk
    assert OutboxMessage.objects.count() == 1


def test_it_refuses_marketing_without_consent(customers):
    with pytest.raises(Refused, match="未授权营销"):
        queue_message(key="k", customer=customers["C002"], purpose="event_invitation", gateway="sms", text="诚邀参加")
    # care messages remain allowed (DESIGN §5: service and care remain)
    queue_message(key="k2", customer=customers["C002"], purpose="birthday", gateway="sms", text="生日快乐")


def test_it_refuses_everything_to_a_do_not_disturb_customer(customers):
    with pytest.raises(Refused, match="免打扰"):
        queue_message(key="k", customer=customers["C003"], purpose="birthday", gateway="sms", text="生日快乐")
    assert not OutboxMessage.objects.exists()


def test_it_refuses_a_forbidden_promise(customers):
    with pytest.raises(Refused, match="保本"):
        queue_message(key="k", customer=customers["C001"], purpose="maturity", gateway="sms", text="本产品保本保息")


def test_it_delivers_and_records_success(customers):
    queue(customers, 3)
    now, _ = clock()
    with FakeGateway([(200, {"code": 0}, 0)]) as server:
        result = deliver_due({"sms": HttpSmsGateway(server.url)}, FAST, now=now)
    assert result.sent == 3
    assert sorted(r["json"]["msgid"] for r in server.requests) == [f"birthday:2026-11-30:{i}" for i in range(3)]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_it_sends_nothing_in_quiet_hours(customers):
    queue(customers, 1)
    now, _ = clock(dt.datetime(2026, 11, 30, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    result = deliver_due({"sms": FileGateway("/dev/null")}, FAST, now=now)
    assert result.skipped_quiet and OutboxMessage.objects.get().status == "queued"


def test_it_retries_with_backoff_then_recovers(customers):
    queue(customers, 1)
    now, advance = clock()
    with FakeGateway([(503, {}, 0), (429, {}, 0), (200, {"code": 0}, 0)]) as server:
        gw = {"sms": HttpSmsGateway(server.url)}
        assert deliver_due(gw, FAST, now=now).retried == 1
        msg = OutboxMessage.objects.get()
        assert msg.status == "queued" and msg.attempts == 1 and msg.next_attempt_at == NOON + dt.timedelta(seconds=60)
        assert deliver_due(gw, FAST, now=now).sent == 0  # not due yet
        advance(60)
        assert deliver_due(gw, FAST, now=now).retried == 1
        advance(120)
        assert deliver_due(gw, FAST, now=now).sent == 1
    assert len(server.requests) == 3 and OutboxMessage.objects.get().status == "sent"


def test_it_gives_up_after_max_attempts_with_the_reason(customers):
    queue(customers, 1)
    now, advance = clock()
    with FakeGateway([(500, {}, 0)]) as server:
        for _ in range(5):
            deliver_due({"sms": HttpSmsGateway(server.url)}, Policy(max_attempts=3, backoff_s=1, per_minute=FAST.per_minute), now=now)
            advance(3600)
    msg = OutboxMessage.objects.get()
    assert msg.status == "failed" and msg.attempts == 3 and "HTTP 500" in msg.last_error
    assert len(server.requests) == 3


def test_a_permanent_refusal_fails_at_once(customers):
    queue(customers, 1, gateway="wecom_robot")
    now, _ = clock()
    with FakeGateway([(200, {"errcode": 93000, "errmsg": "invalid webhook url"}, 0)]) as server:
        deliver_due({"wecom_robot": WeComRobotGateway(server.url)}, FAST, now=now)
    msg = OutboxMessage.objects.get()
    assert msg.status == "failed" and "93000" in msg.last_error


def test_a_timeout_to_a_gateway_that_cannot_deduplicate_is_never_resent(customers):
    queue(customers, 1, gateway="wecom_robot")
    now, advance = clock()
    with FakeGateway([(200, {"errcode": 0}, 1.0)]) as server:
        deliver_due({"wecom_robot": WeComRobotGateway(server.url, timeout=0.2)}, FAST, now=now)
        advance(3600)
        deliver_due({"wecom_robot": WeComRobotGateway(server.url, timeout=0.2)}, FAST, now=now)
    msg = OutboxMessage.objects.get()
    assert msg.status == "failed" and "结果未知" in msg.last_error
    assert len(server.requests) == 1


def test_the_rate_limit_spaces_sends(customers):
    queue(customers, 3)
    now, _ = clock()
    waits = []
    deliver_due({"sms": FileGateway("/dev/null")}, Policy(per_minute={"sms": 2}), now=now, sleep=waits.append)
    assert len(waits) == 2 and all(25 < w <= 30 for w in waits)


class Crash(BaseException):
    """Stands for the worker process dying (not an Exception: nothing catches it)."""


class CrashAfter:
    """Forwards to a real gateway, then 'dies' right after the n-th send went out."""

    def __init__(self, gateway, n):
        self.gateway, self.n, self.count = gateway, n, 0
        self.deduplicates = gateway.deduplicates

    def send(self, message):
        result = self.gateway.send(message)
        self.count += 1
        if self.count == self.n:
            raise Crash()
        return result


@pytest.mark.parametrize("dedup", [True, False])
def test_a_crash_in_the_middle_of_a_batch_loses_nothing_and_sends_nothing_twice(customers, dedup):
    msgs = queue(customers, 5)
    now, advance = clock()
    with FakeGateway([(200, {"code": 0}, 0)]) as server:
        gw = HttpSmsGateway(server.url, deduplicates=dedup)
        with pytest.raises(Crash):
            deliver_due({"sms": CrashAfter(gw, 3)}, FAST, now=now)
        statuses = dict(OutboxMessage.objects.values_list("key", "status"))
        assert list(statuses.values()).count("sent") == 2 and list(statuses.values()).count("sending") == 1
        advance(600)  # past the lease: the restarted worker recovers the claimed message
        result = deliver_due({"sms": gw}, FAST, now=now)
        assert result.recovered == 1
    final = {m.key: m for m in OutboxMessage.objects.all()}
    ids = [r["json"]["msgid"] for r in server.requests]
    crashed = msgs[2].key
    for key, m in final.items():
        assert m.status in ("sent", "failed")
        if m.status == "failed":
            assert m.last_error
    if dedup:
        # the gateway drops the duplicate by msgid, so the resend is safe: all five delivered
        assert all(m.status == "sent" for m in final.values())
        assert set(ids) == set(final) and ids.count(crashed) == 2
    else:
        # no deduplication: the uncertain message is failed for a person to check, never resent
        assert final[crashed].status == "failed" and "结果未知" in final[crashed].last_error
        assert sorted(ids) == sorted(final) and len(ids) == 5


def test_quiet_hours_boundaries():
    p = Policy()
    at = lambda h, m: dt.datetime(2026, 11, 30, h, m, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    assert not p.quiet(at(20, 59)) and p.quiet(at(21, 0)) and p.quiet(at(7, 59)) and not p.quiet(at(8, 0))
    assert p.quiet(dt.datetime(2026, 11, 30, 13, 30, tzinfo=dt.timezone.utc))  # 21:30 in Shanghai
    daytime = Policy(quiet_start=dt.time(12, 0), quiet_end=dt.time(13, 0))
    assert daytime.quiet(at(12, 30)) and not daytime.quiet(at(13, 0))
    assert not Policy(quiet_start=dt.time(0), quiet_end=dt.time(0)).quiet(at(23, 0))


@pytest.mark.django_db(transaction=True)  # the sender thread has its own connection: rows must be committed
def test_the_demo_background_sender_delivers(customers, tmp_path, settings):
    import time

    from yuanwei.paths import Home
    from yuanwei.web.apps.outreach.worker import start_background_sender

    home = Home(tmp_path / "home").ensure()
    (home.config_dir / "outreach.yaml").write_text('quiet_hours: "off"\n', encoding="utf-8")
    queue(customers, 1)
    stop = start_background_sender(home, every=0.2)
    try:
        # up to 20 s: on a loaded CI machine a claimed message sat in "sending" past the old 5 s
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if OutboxMessage.objects.get().status == "sent":
                break
            time.sleep(0.1)
    finally:
        stop.set()
    assert OutboxMessage.objects.get().status == "sent"
    assert (home.outbox_dir / "sms.jsonl").exists()
