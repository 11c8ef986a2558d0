"""Message gateways: WeCom group robot webhook, a generic HTTP SMS gateway, and a file gateway.

Each ``send`` returns a ``Delivery``: ``sent``; ``retry`` (a passing failure: timeout, 5xx, rate
limit — the outbox tries again with backoff); or ``failed`` (a permanent refusal, with the reason).
Gateways never raise for a delivery problem, so one bad message cannot stop a batch.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path

import httpx

SENT, RETRY, FAILED = "sent", "retry", "failed"

# WeCom robot errcodes that are worth retrying: 45009 = API rate limit, -1 = system busy
_WECOM_RETRY = {45009, -1}


@dataclass(frozen=True)
class Message:
    message_id: str      # stable across retries: the idempotency key
    to: str              # phone number, or '' for a group robot
    text: str


@dataclass(frozen=True)
class Delivery:
    status: str          # sent | retry | failed
    detail: str = ""
    retry_after: float | None = None   # seconds, when the gateway said so
    # whether the gateway may have accepted the message although we saw no answer (a timeout after
    # the request was sent): the outbox must not blindly resend to a gateway that cannot deduplicate
    uncertain: bool = False


class Gateway:
    name = "gateway"
    deduplicates = False  # True when the gateway drops a resend with the same message_id

    def send(self, message: Message) -> Delivery:  # pragma: no cover - interface
        raise NotImplementedError


def _http_failure(exc: Exception) -> Delivery:
    if isinstance(exc, httpx.ConnectError):
        return Delivery(RETRY, f"无法连接 / cannot connect: {exc}")
    if isinstance(exc, httpx.TimeoutException):
        # a read timeout may come after the gateway accepted the message
        uncertain = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
        return Delivery(RETRY, f"超时 / timed out: {type(exc).__name__}", uncertain=uncertain)
    return Delivery(RETRY, f"网络错误 / network error: {exc}", uncertain=True)


def _retry_after(resp: httpx.Response) -> float | None:
    try:
        return float(resp.headers.get("Retry-After", ""))
    except ValueError:
        return None


class WeComRobotGateway(Gateway):
    """企业微信群机器人: POST {"msgtype": "text", "text": {"content": …}} to the webhook URL;
    the answer is {"errcode": 0, "errmsg": "ok"} on success."""

    name = "wecom_robot"

    def __init__(self, webhook_url: str, timeout: float = 5.0, client: httpx.Client | None = None):
        self.url = webhook_url
        self.client = client or httpx.Client(timeout=timeout)

    def send(self, message: Message) -> Delivery:
        body = {"msgtype": "text", "text": {"content": message.text}}
        try:
            resp = self.client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            return _http_failure(exc)
        if resp.status_code == 429 or resp.status_code >= 500:
            return Delivery(RETRY, f"HTTP {resp.status_code}", _retry_after(resp))
        if resp.status_code >= 400:
            return Delivery(FAILED, f"HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            data = resp.json()
        except ValueError:
            return Delivery(FAILED, f"非 JSON 应答 / not JSON: {resp.text[:200]}")
        code = data.get("errcode")
        if code == 0:
            return Delivery(SENT, "ok")
        if code in _WECOM_RETRY:
            return Delivery(RETRY, f"errcode {code}: {data.get('errmsg', '')}", 60.0 if code == 45009 else None)
        return Delivery(FAILED, f"errcode {code}: {data.get('errmsg', '')}")


class HttpSmsGateway(Gateway):
    """A generic HTTP SMS gateway: URL, an Authorization header and a JSON body template with
    ``$message_id``, ``$to`` and ``$text`` placeholders (string.Template, values JSON-escaped).
    2xx = accepted; 429/5xx = retry; other 4xx = failed. Most bank SMS platforms deduplicate on a
    client message id, hence ``deduplicates`` (configurable)."""

    name = "http_sms"

    def __init__(self, url: str, body_template: str = '{"msgid": $message_id, "mobile": $to, "content": $text}',
                 auth: str | None = None, timeout: float = 5.0, deduplicates: bool = True,
                 client: httpx.Client | None = None):
        self.url = url
        self.body_template = string.Template(body_template)
        self.headers = {"Content-Type": "application/json; charset=utf-8"}
        if auth:
            self.headers["Authorization"] = auth
        self.deduplicates = deduplicates
        self.client = client or httpx.Client(timeout=timeout)

    def body(self, message: Message) -> str:
        return self.body_template.substitute(
            message_id=json.dumps(message.message_id), to=json.dumps(message.to),
            text=json.dumps(message.text, ensure_ascii=False))

    def send(self, message: Message) -> Delivery:
        try:
            resp = self.client.post(self.url, content=self.body(message).encode("utf-8"), headers=self.headers)
        except httpx.HTTPError as exc:
            return _http_failure(exc)
        if resp.status_code == 429 or resp.status_code >= 500:
            return Delivery(RETRY, f"HTTP {resp.status_code}", _retry_after(resp))
        if resp.status_code >= 400:
            return Delivery(FAILED, f"HTTP {resp.status_code}: {resp.text[:200]}")
        return Delivery(SENT, f"HTTP {resp.status_code}")


class FileGateway(Gateway):
    """Dry runs: appends each message as one JSON line to a file. Resends of a message_id already
    in the file are dropped, so it deduplicates like a real gateway would."""

    name = "file"
    deduplicates = True

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _sent_ids(self) -> set[str]:
        if not self.path.exists():
            return set()
        with self.path.open(encoding="utf-8") as fh:
            return {json.loads(line)["message_id"] for line in fh if line.strip()}

    def send(self, message: Message) -> Delivery:
        if message.message_id in self._sent_ids():
            return Delivery(SENT, "already written")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"message_id": message.message_id, "to": message.to, "text": message.text},
                                ensure_ascii=False) + "\n")
        return Delivery(SENT, str(self.path))
