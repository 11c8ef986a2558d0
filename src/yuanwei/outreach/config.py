"""Gateway configuration: ``<home>/config/outreach.yaml``.

Without the file every channel goes to the file gateway (a dry run under ``<home>/outbox/``), so the
demo never sends anything real. Example::

    sms:
      url: https://sms.intranet.bank/api/send
      auth: "Bearer …"
      body_template: '{"msgid": $message_id, "mobile": $to, "content": $text}'
      deduplicates: true      # the platform drops a resend with the same msgid
      per_minute: 60
    wecom_robot:
      webhook_url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
      per_minute: 20
    quiet_hours: "21:00-08:00"      # or "off"
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from yuanwei.errors import UsageError
from yuanwei.outreach.gateways import FileGateway, Gateway, HttpSmsGateway, WeComRobotGateway
from yuanwei.paths import Home


def _time(value: str, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{where}: '{value}' 不是 HH:MM 时间 / is not a HH:MM time") from None


def load(home: Home) -> tuple[dict[str, Gateway], dict]:
    """(gateways by name, policy overrides: quiet_start, quiet_end, per_minute)."""
    path: Path = home.config_dir / "outreach.yaml"
    raw = {}
    if path.exists():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise UsageError(f"{path}: YAML 格式错误 / not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise UsageError(f"{path}: 顶层应为映射 / the top level must be a mapping")
    dry = home.outbox_dir
    gateways: dict[str, Gateway] = {"file": FileGateway(dry / "file.jsonl")}
    per_minute: dict[str, int] = {}
    sms = raw.get("sms")
    if sms:
        if not sms.get("url"):
            raise UsageError(f"{path}: sms.url 缺失 / sms.url is missing")
        kwargs = {k: sms[k] for k in ("body_template", "auth", "timeout", "deduplicates") if k in sms}
        gateways["sms"] = HttpSmsGateway(sms["url"], **kwargs)
        per_minute["sms"] = int(sms.get("per_minute", 60))
    else:
        gateways["sms"] = FileGateway(dry / "sms.jsonl")
    robot = raw.get("wecom_robot")
    if robot:
        if not robot.get("webhook_url"):
            raise UsageError(f"{path}: wecom_robot.webhook_url 缺失 / is missing")
        gateways["wecom_robot"] = WeComRobotGateway(robot["webhook_url"], timeout=float(robot.get("timeout", 5)))
        per_minute["wecom_robot"] = int(robot.get("per_minute", 20))
    else:
        gateways["wecom_robot"] = FileGateway(dry / "wecom_robot.jsonl")
    policy: dict = {}
    if per_minute:
        policy["per_minute"] = {"sms": 60, "wecom_robot": 20, "file": 100_000, **per_minute}
    if str(raw.get("quiet_hours", "")).strip().lower() in ("off", "none", "false"):
        policy["quiet_start"] = policy["quiet_end"] = dt.time(0, 0)  # start == end: no quiet hours
    elif raw.get("quiet_hours"):
        start, _, end = str(raw["quiet_hours"]).partition("-")
        policy["quiet_start"] = _time(start, f"{path}: quiet_hours")
        policy["quiet_end"] = _time(end, f"{path}: quiet_hours")
    return gateways, policy
