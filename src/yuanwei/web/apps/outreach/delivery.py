"""Queueing and delivering outbox messages — each exactly once, or failed with the reason.

How "never twice" holds across crashes: a message is *claimed* (queued → sending, one UPDATE that
only one worker can win) before its gateway is called, and its outcome is written right after. A
worker that dies between the two leaves it in ``sending``; the next worker finds it after the lease
and resends it only to a gateway that drops duplicates by message id (the SMS gateway, the file
gateway). For a gateway that cannot (a WeCom robot), the message is marked failed — "outcome unknown,
not resent" — for a person to check, rather than risk a second copy. The same holds for a timeout
after the request went out.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from yuanwei.outreach import compliance, sms
from yuanwei.outreach.gateways import FAILED, RETRY, SENT, Gateway, Message
from yuanwei.web.apps.outreach.models import MARKETING_PURPOSES, OutboxMessage

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Refused(Exception):
    """The message may not be queued; the message says why (zh-CN / English)."""


@dataclass(frozen=True)
class Policy:
    quiet_start: dt.time = dt.time(21, 0)   # nothing is sent from 21:00 …
    quiet_end: dt.time = dt.time(8, 0)      # … to 08:00 (Asia/Shanghai)
    max_attempts: int = 5
    backoff_s: float = 60.0                 # 60 s, 120 s, 240 s, … capped at 1 h
    lease_s: float = 300.0                  # a claim older than this belongs to a dead worker
    per_minute: Mapping[str, int] = field(default_factory=lambda: {"sms": 60, "wecom_robot": 20, "file": 100_000})

    def quiet(self, now: dt.datetime) -> bool:
        if self.quiet_start == self.quiet_end:
            return False  # no quiet hours configured
        t = now.astimezone(SHANGHAI).time()
        if self.quiet_start > self.quiet_end:  # across midnight, e.g. 21:00–08:00
            return t >= self.quiet_start or t < self.quiet_end
        return self.quiet_start <= t < self.quiet_end


def queue_message(*, key: str, customer, purpose: str, gateway: str, text: str, staff=None,
                  source: str = "", source_ref: str = "") -> tuple[OutboxMessage, bool]:
    """Queue one message; returns (message, created). The same key twice gives the first message.

    ``customer`` is the published Customer (or None for a group message). Refused: marketing to a
    customer without consent; anything to a customer who asked not to be disturbed; text failing
    the compliance check (forbidden promises, unfilled fields)."""
    existing = OutboxMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    if customer is not None:
        if customer.do_not_disturb or customer.do_not_call and gateway == "sms":
            raise Refused("客户要求免打扰 / the customer asked not to be disturbed")
        if purpose in MARKETING_PURPOSES and not customer.marketing_consent:
            raise Refused("客户未授权营销 / no marketing consent")
    problems = compliance.check(text)
    if problems:
        raise Refused("；".join(str(p) for p in problems))
    with transaction.atomic():
        msg, created = OutboxMessage.objects.get_or_create(key=key, defaults=dict(
            customer_id=getattr(customer, "customer_id", ""), staff=staff, purpose=purpose, gateway=gateway,
            to=getattr(customer, "phone", "") if gateway == "sms" else "", text=text,
            segments=sms.segments(text), source=source, source_ref=source_ref,
            next_attempt_at=timezone.now()))
    return msg, created


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    recovered: int = 0
    skipped_quiet: bool = False

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _claim(msg_id: int, now: dt.datetime) -> bool:
    return OutboxMessage.objects.filter(pk=msg_id, status=OutboxMessage.QUEUED).update(
        status=OutboxMessage.SENDING, claimed_at=now) == 1


def _recover(gateways: Mapping[str, Gateway], policy: Policy, now: dt.datetime, result: BatchResult) -> None:
    stale = OutboxMessage.objects.filter(status=OutboxMessage.SENDING,
                                         claimed_at__lt=now - dt.timedelta(seconds=policy.lease_s))
    for msg in stale:
        gw = gateways.get(msg.gateway)
        if gw is not None and gw.deduplicates:
            msg.status, msg.next_attempt_at = OutboxMessage.QUEUED, now
            msg.last_error = "上次发送中断，网关按消息号去重，重新发送 / interrupted; gateway deduplicates, resending"
        else:
            msg.status = OutboxMessage.FAILED
            msg.last_error = ("发送中断，结果未知；为避免重复未重发，请人工核实 / interrupted, outcome unknown; "
                              "not resent to avoid a duplicate — check by hand")
        msg.save(update_fields=["status", "next_attempt_at", "last_error"])
        result.recovered += 1


def deliver_due(gateways: Mapping[str, Gateway], policy: Policy = Policy(), limit: int = 500,
                now: Callable[[], dt.datetime] = timezone.now,
                sleep: Callable[[float], None] = time.sleep) -> BatchResult:
    """Send what is due; what a scheduler runs every few minutes (``yuanwei outbox send``)."""
    result = BatchResult()
    _recover(gateways, policy, now(), result)
    if policy.quiet(now()):
        result.skipped_quiet = True
        return result
    last_sent: dict[str, float] = {}
    due = list(OutboxMessage.objects.filter(status=OutboxMessage.QUEUED, next_attempt_at__lte=now())
               .order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
    for msg_id in due:
        msg = OutboxMessage.objects.get(pk=msg_id)
        gw = gateways.get(msg.gateway)
        if gw is None:
            OutboxMessage.objects.filter(pk=msg_id).update(
                status=OutboxMessage.FAILED, last_error=f"未配置网关 / gateway not configured: {msg.gateway}")
            result.failed += 1
            continue
        # rate limit per gateway: space the sends evenly within the minute
        interval = 60.0 / max(1, policy.per_minute.get(msg.gateway, 60))
        wait = last_sent.get(msg.gateway, -1e9) + interval - time.monotonic()
        if wait > 0:
            sleep(wait)
        if not _claim(msg_id, now()):
            continue  # another worker took it
        delivery = gw.send(Message(msg.key, msg.to, msg.text))
        last_sent[msg.gateway] = time.monotonic()
        attempts = msg.attempts + 1
        if delivery.status == SENT:
            OutboxMessage.objects.filter(pk=msg_id).update(status=OutboxMessage.SENT, attempts=attempts,
                                                           sent_at=now(), last_error="")
            result.sent += 1
        elif delivery.status == RETRY and delivery.uncertain and not gw.deduplicates:
            OutboxMessage.objects.filter(pk=msg_id).update(
                status=OutboxMessage.FAILED, attempts=attempts,
                last_error=f"结果未知，为避免重复未重发 / outcome unknown, not resent: {delivery.detail}")
            result.failed += 1
        elif delivery.status == RETRY and attempts < policy.max_attempts:
            delay = delivery.retry_after or min(3600.0, policy.backoff_s * 2 ** (attempts - 1))
            OutboxMessage.objects.filter(pk=msg_id).update(
                status=OutboxMessage.QUEUED, attempts=attempts, last_error=delivery.detail,
                next_attempt_at=now() + dt.timedelta(seconds=delay))
            result.retried += 1
        else:
            reason = delivery.detail if delivery.status == FAILED else f"重试{attempts}次仍失败 / gave up: {delivery.detail}"
            OutboxMessage.objects.filter(pk=msg_id).update(status=OutboxMessage.FAILED, attempts=attempts,
                                                           last_error=reason)
            result.failed += 1
    return result
