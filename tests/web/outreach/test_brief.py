def test_it_works(client, rm, market):
    client.force_login(rm)
    r = client.get("/outreach/brief/?date=2026-11-30")
    assert r.status_code == 200
    body = r.content.decode()
    assert "上证指数 3,399.00 ↑3.00%" in body
    assert "央行开展逆回购操作&lt;script&gt;" in body  # escaped, never markup


def test_it_has_an_empty_state(client, rm):
    client.force_login(rm)
    assert "暂无行情与资讯" in client.get("/outreach/brief/?date=2026-11-30").content.decode()


def test_it_requires_login(client):
    r = client.get("/outreach/brief/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
