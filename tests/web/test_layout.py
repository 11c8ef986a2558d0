"""The base layout every page shares: navigation by role, user menu, language switch, vendored assets."""

import re

import pytest

pytestmark = pytest.mark.django_db
PAGE = "/accounts/password/"  # any signed-in page built on base.html


def nav(body: str) -> dict[str, str]:
    """{label: "link" | "disabled"} of the main navigation."""
    block = body[body.index('<nav class="mainnav"'):body.index("</nav>")]
    items = re.findall(r'<li>(?:<a href="[^"]+"[^>]*>([^<]+)</a>|<span class="disabled"[^>]*>([^<]+)</span>)</li>', block)
    return {a or s: "link" if a else "disabled" for a, s in items}


def test_it_shows_an_rm_the_product_navigation_in_chinese(client, rm):
    client.force_login(rm)
    body = client.get(PAGE).content.decode()
    items = nav(body)
    assert list(items)[:4] == ["今日", "客户", "日程", "工作日志"] and items["今日"] == "link"
    assert not {"团队", "看板", "管理"} & set(items)  # managers' and admins' sections
    assert not [label for label in items if re.search("[A-Za-z]", label)]  # every label translated
    assert "王丽" in body and "远程客户经理" in body  # user menu: name and role
    assert "/static/vendor/htmx.min.js" in body and "cdn" not in body.lower()


def test_a_section_not_built_yet_is_shown_disabled(client, rm, monkeypatch):
    from yuanwei.web import context_processors as cp

    monkeypatch.setattr(cp, "NAVIGATION", (*cp.NAVIGATION, cp.NavItem("later", "稍后", "nowhere:page")))
    client.force_login(rm)
    assert nav(client.get(PAGE).content.decode())["稍后"] == "disabled"


def test_it_shows_managers_the_team_and_dashboards(client, team_lead):
    client.force_login(team_lead)
    items = nav(client.get(PAGE).content.decode())
    assert "团队" in items and "看板" in items and "管理" not in items


def test_it_shows_admins_the_admin_link(client, admin_user):
    client.force_login(admin_user)
    items = nav(client.get(PAGE).content.decode())
    assert items["管理"] == "link"


def test_it_switches_to_english_and_back(client, rm):
    client.force_login(rm)
    r = client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    assert r.status_code == 302 and r["Location"] == PAGE
    body = client.get(PAGE).content.decode()
    assert '<html lang="en">' in body and "Today" in nav(body) and "Remote RM" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": PAGE})
    assert "今日" in nav(client.get(PAGE).content.decode())


def test_it_escapes_a_name_with_markup(client, rm):
    rm.staffprofile.name = "<script>alert(1)</script>"
    rm.staffprofile.save()
    client.force_login(rm)
    body = client.get(PAGE).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


@pytest.mark.parametrize("path,kind", [("/static/vendor/htmx.min.js", "javascript"),
                                       ("/static/vendor/echarts.min.js", "javascript"),
                                       ("/static/css/yuanwei.css", "css")])
def test_static_files_are_served_by_the_app(client, path, kind):
    r = client.get(path)
    assert r.status_code == 200 and kind in r["Content-Type"]


def test_the_home_page_requires_login(client):
    r = client.get("/today/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_it_marks_the_current_section(client, rm):
    client.force_login(rm)
    body = client.get("/today/").content.decode()
    assert re.search(r'<a href="/today/" class="active" aria-current="page">今日</a>', body)


def test_it_stays_chinese_for_an_english_browser_until_english_is_chosen(client, rm):
    client.force_login(rm)
    body = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    assert '<html lang="en">' in client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
