import json

from .fake_servers import FakeGateway
from yuanwei.outreach.gateways import (
    FAILED, RETRY, SENT, FileGateway, HttpSmsGateway, Message, WeComRobotGateway,
)

MSG = Message("birthday:2026-11-30:C001", "13812345678", "王先生您好，祝您生日快乐！")


def test_wecom_robot_posts_the_real_message_format():
    with FakeGateway([(200, {"errcode": 0, "errmsg": "ok"}, 0)]) as server:
        result = WeComRobotGateway(server.url).send(MSG)
    assert result.status == SENT
    assert server.requests[0]["json"] == {"msgtype": "text", "text": {"content": MSG.text}}


def test_wecom_rate_limit_errcode_is_retried_later():
    with FakeGateway([(200, {"errcode": 45009, "errmsg": "api freq out of limit"}, 0)]) as server:
        result = WeComRobotGateway(server.url).send(MSG)
    assert result.status == RETRY and result.retry_after == 60.0


def test_wecom_bad_key_fails_with_the_reason():
    with FakeGateway([(200, {"errcode": 93000, "errmsg": "invalid webhook url"}, 0)]) as server:
        result = WeComRobotGateway(server.url).send(MSG)
    assert result.status == FAILED and "93000" in result.detail


def test_sms_gateway_sends_the_configured_body_with_auth():
    with FakeGateway([(200, {"code": 0}, 0)]) as server:
        gw = HttpSmsGateway(server.url, auth="Bearer t0ken")
        assert gw.send(MSG).status == SENT
    req = server.requests[0]
    assert req["headers"]["Authorization"] == "Bearer t0ken"
    assert req["json"] == {"msgid": MSG.message_id, "mobile": "13812345678", "content": MSG.text}


def test_sms_gateway_retries_on_429_with_retry_after_and_5xx():
    with FakeGateway([(429, {}, 0)]) as server:
        r = HttpSmsGateway(server.url).send(MSG)
    assert r.status == RETRY
    with FakeGateway([(503, {}, 0)]) as server:
        assert HttpSmsGateway(server.url).send(MSG).status == RETRY


def test_sms_gateway_timeout_is_a_retry_that_may_have_been_delivered():
    with FakeGateway([(200, {}, 1.0)]) as server:
        r = HttpSmsGateway(server.url, timeout=0.2).send(MSG)
    assert r.status == RETRY and r.uncertain


def test_unreachable_gateway_is_a_clear_retry():
    r = HttpSmsGateway("http://127.0.0.1:9/send", timeout=0.5).send(MSG)
    assert r.status == RETRY and not r.uncertain


def test_file_gateway_writes_each_message_once(tmp_path):
    gw = FileGateway(tmp_path / "sms.jsonl")
    assert gw.send(MSG).status == SENT
    assert gw.send(MSG).status == SENT
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["message_id"] for x in lines] == [MSG.message_id]
