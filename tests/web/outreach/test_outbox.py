from yuanwei.web.apps.outreach.delivery import queue_message


def test_it_lists_my_messages_with_their_status(client, rm, customers):
    queue_message(key="k1", customer=customers["C001"], purpose="birthday", gateway="sms", text="生日快乐", staff=rm)
    client.force_login(rm)
    body = client.get("/outreach/outbox/").content.decode()
    assert "生日快乐" in body and "status-queued" in body


def test_another_rm_cannot_see_my_messages(client, rm, other_rm, customers):
    queue_message(key="k1", customer=customers["C001"], purpose="birthday", gateway="sms", text="生日快乐", staff=rm)
    client.force_login(other_rm)
    assert "生日快乐" not in client.get("/outreach/outbox/").content.decode()


def test_the_team_lead_sees_the_team(client, rm, team_lead, customers):
    queue_message(key="k1", customer=customers["C001"], purpose="birthday", gateway="sms", text="生日快乐", staff=rm)
    client.force_login(team_lead)
    assert "生日快乐" in client.get("/outreach/outbox/").content.decode()


def test_htmx_polling_returns_only_the_rows(client, rm):
    client.force_login(rm)
    r = client.get("/outreach/outbox/", HTTP_HX_REQUEST="true")
    assert "<html" not in r.content.decode() and "发件箱为空" in r.content.decode()
