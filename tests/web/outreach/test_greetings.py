from yuanwei.web.apps.outreach.models import OutboxMessage


def test_it_previews_todays_birthday_greetings(client, rm, birthday_tasks):
    client.force_login(rm)
    r = client.get("/outreach/greetings/?date=2026-11-30")
    body = r.content.decode()
    assert r.status_code == 200
    assert "王先生您好" in body and "福寿安康" in body  # retiree template, title from the surname
    assert "免打扰" in body  # C003 is shown as blocked


def test_it_queues_the_chosen_greetings_once(client, rm, birthday_tasks):
    client.force_login(rm)
    keys = ["birthday:2026-11-30:C001", "relative_birthday:2026-11-30:C002", "birthday:2026-11-30:C003"]
    r = client.post("/outreach/greetings/?date=2026-11-30", {"key": keys})
    assert r.status_code == 302
    client.post("/outreach/greetings/?date=2026-11-30", {"key": keys})  # a double submit
    sent = dict(OutboxMessage.objects.values_list("key", "purpose"))
    # C002 has no marketing consent but a birthday greeting is care; C003 asked not to be disturbed
    assert sent == {"birthday:2026-11-30:C001": "birthday", "relative_birthday:2026-11-30:C002": "relative_birthday"}
    assert OutboxMessage.objects.get(key=keys[0]).to.startswith("138")
    assert "孩子李小明" in OutboxMessage.objects.get(key=keys[1]).text


def test_a_greeting_with_an_unfilled_field_is_not_offered(client, rm, birthday_tasks):
    from yuanwei.web.apps.customers.models import Relative

    Relative.objects.all().delete()  # C002's relative_birthday greeting now lacks the relative's name
    client.force_login(rm)
    body = client.get("/outreach/greetings/?date=2026-11-30").content.decode()
    assert "未通过合规检查" in body and "{relative_name}" in body


def test_another_rm_sees_no_greetings_of_mine(client, other_rm, birthday_tasks):
    client.force_login(other_rm)
    assert "没有生日客户" in client.get("/outreach/greetings/?date=2026-11-30").content.decode()


def test_today_links_to_the_greetings_of_its_birthday_tasks(client, rm, birthday_tasks):
    client.force_login(rm)
    body = client.get("/today/?date=2026-11-30").content.decode()
    assert "/outreach/greetings/?date=2026-11-30" in body and "发送生日祝福（3）" in body
