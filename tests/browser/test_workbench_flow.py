"""End to end in Debian's chromium (Playwright): an RM signs in, opens Today, opens a customer, logs an
outcome with a follow-up, sees the task done and the progress move, and finds it in the work log.
Screenshots go to test-artifacts/ (1366×768, the RMs' laptop screen)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from web.conftest import PASSWORD
from web.workbench.bank import build_bank

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


@pytest.fixture
def server(transactional_db):
    """A live server started with plain-HTTP settings (as `yuanwei serve` on loopback): the middleware
    reads them when the server thread builds its handler, so they must be in place before it starts."""
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False,
                           SECURE_HSTS_SECONDS=0, DEBUG=False):
        srv = LiveServer("localhost")
        yield srv
        srv.stop()


@pytest.fixture
def page(server, monkeypatch):
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # only for this test: never leaks into others
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(15_000)
        yield pg
        ctx.close()
        browser.close()


def make_rm():
    from django.contrib.auth.models import User

    from yuanwei.web.apps.accounts.models import StaffProfile

    user = User.objects.create_user("R001", password=PASSWORD, first_name="王丽")
    StaffProfile.objects.create(user=user, staff_id="R001", name="王丽", role="remote_rm", branch_id="B01",
                                team="一组", hired_on=dt.date(2020, 3, 1))
    return user


def test_an_rm_works_a_task_end_to_end(page, server):
    from django.utils import timezone

    day = timezone.localdate()
    build_bank(day)
    make_rm()
    base = server.url

    page.goto(f"{base}/today/")
    page.fill("#id_username", "R001")
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/today/")
    assert page.locator(".wb-task").count() == 3
    assert "昨日入账 ¥520,000.00" in page.inner_text("#task-C001")
    page.screenshot(path=str(ARTIFACTS / "1-today.png"))

    page.click("#task-C001 a.wb-name")
    page.wait_for_url(f"{base}/customers/C001/")
    assert "138****5678" in page.inner_text("#phone")
    page.wait_for_selector("#aum-chart canvas")  # the vendored ECharts drew the AUM trend
    page.screenshot(path=str(ARTIFACTS / "2-customer-360.png"), full_page=True)
    # reveal: asks for a reason, then shows the full number in place (htmx), audited
    page.click("#phone button")
    page.fill("#reveal-box input[name=reason]", "客户来电核对号码")
    page.click("#reveal-box button.primary")
    page.wait_for_selector("#reveal-box .wb-revealed")
    assert "13812345678" in page.inner_text("#reveal-box")
    page.go_back()

    # three clicks: 记录, the outcome, 保存 (plus the next step here: a follow-up in two days)
    page.click("#task-C001 .wb-btn")
    form = page.locator("#task-C001 form.wb-contact")
    form.locator("label.chip:has-text('有意向')").click()
    form.locator("label.chip:has-text('跟进')").click()
    form.locator("input[name=follow_up_on]").fill((day + dt.timedelta(days=2)).isoformat())
    form.locator("input[name=note]").fill("想了解大额存单，周三再联系")
    page.screenshot(path=str(ARTIFACTS / "3-logging.png"))
    form.locator("button.primary").click()

    page.wait_for_selector("#task-C001.done")
    assert "✓ 已联系" in page.inner_text("#task-C001")
    assert page.inner_text("#progress .wb-progress-num").replace(" ", "").startswith("1/3")
    page.screenshot(path=str(ARTIFACTS / "4-task-done.png"))

    # the filter swaps only the list: undone tasks no longer include the one just worked
    page.select_option("select[name=status]", "open")
    page.wait_for_function("!document.querySelector('#task-C001')")
    assert page.locator(".wb-task").count() == 2 and "status=open" in page.url

    page.goto(f"{base}/worklog/")
    text = page.inner_text("#worklog-contacts")
    assert "刘建国" in text and "有意向" in text and "想了解大额存单，周三再联系" in text
    page.screenshot(path=str(ARTIFACTS / "5-worklog.png"), full_page=True)

    from yuanwei.web.apps.audit.models import AuditEvent

    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"login", "reveal", "contact_create"}
