"""The admin panel in a real browser: headless Chromium (Debian's package, driven by Playwright)
against the app served by werkzeug on a free local port, with CSRF protection switched on.

Set BAOYUN_SCREENSHOTS=<folder> to keep a screenshot of each step for a look at the layout.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.models import OrgLevel, Role
from app.validators import make_id_number
from tests import factories as f

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct-horse-battery"
MOBILE = "13812345678"
ID_NUMBER = make_id_number("130102", date(1988, 6, 15), 123)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="安装 Chromium: apt-get install -y chromium chromium-driver"),
]


@pytest.fixture(scope="module")
def live_url(app):
    """The app on 127.0.0.1 and a free port, served from a thread for this module's tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="admin-panel-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(app, browser, monkeypatch):
    # The suite switches CSRF off for the test client; a real browser posts real forms.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 820})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def accounts(db):
    company = f.org_unit(OrgLevel.company, name="总公司")
    branch = f.org_unit(OrgLevel.branch, f.org_unit(OrgLevel.city, company, name="石家庄中支"), name="长安支公司")
    f.staff(Role.admin, org=company, username="admin", password=PASSWORD, name="王管理")
    agent = f.staff(Role.agent, org=branch, name="李业务")
    customer = f.customer(agent=agent, name="张三丰", mobile=MOBILE, id_number=ID_NUMBER)
    f.policy(customer=customer, vehicle=f.vehicle(owner=customer, plate="冀A12345"), agent=agent)
    f.customer(agent=agent, name="李四")
    db.session.commit()


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("BAOYUN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _sign_in(page, live_url: str, password: str) -> None:
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_sign_in_search_a_customer_and_see_the_masked_mobile(page, live_url, accounts):
    page.goto(f"{live_url}/admin/customers")
    assert "/admin/login" in page.url  # not signed in yet
    _screenshot(page, "1-login")
    _sign_in(page, live_url, PASSWORD)
    page.wait_for_url(f"{live_url}/admin/customers")
    assert page.locator(".whoami").inner_text().startswith("王管理")

    page.fill("input[name=q]", "张三")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/admin/customers?q=*")
    rows = page.locator("#customer-results tbody tr")
    assert rows.count() == 1
    assert "张三丰" in rows.inner_text() and "138****5678" in rows.inner_text()
    assert MOBILE not in page.content() and ID_NUMBER not in page.content()
    _screenshot(page, "2-customers")

    rows.get_by_role("link", name="详情").click()
    page.wait_for_url("**/admin/customers/*")
    assert "冀A12345" in page.content() and ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:] in page.content()
    _screenshot(page, "3-customer")


def test_a_wrong_password_is_refused_with_a_message(page, live_url, accounts):
    page.goto(f"{live_url}/admin/login")
    _sign_in(page, live_url, "not-the-password")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "用户名或密码错误"
    assert "/admin/login" in page.url
    assert page.locator("input[name=username]").input_value() == "admin"


def test_a_company_admin_adds_a_claim_document_to_a_checklist(page, live_url, accounts, db):
    """The 理赔资料清单 page's form posts with its CSRF token from a real browser, and the new item
    is listed under its claim type."""
    from app.services import mp_claims

    mp_claims.load_default_requirements()
    db.session.commit()
    page.goto(f"{live_url}/admin/claim-documents")
    _sign_in(page, live_url, PASSWORD)
    page.wait_for_url(f"{live_url}/admin/claim-documents")
    assert page.locator("section h2").first.inner_text() == "车损"
    _screenshot(page, "claim-documents-1")

    page.select_option("select[name=claim_type]", label="玻璃")
    page.fill("input[name=kind]", "shop_quote")
    page.fill("input[name=label]", "维修报价单")
    page.fill("input[name=hint]", "维修厂出具的更换报价单照片")
    page.check("input[name=required]")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_url}/admin/claim-documents")

    assert "已在「玻璃」清单中新增「维修报价单」" in page.locator(".alert.info").inner_text()
    glass = page.locator("section", has=page.locator("h2", has_text="玻璃"))
    assert "维修报价单" in glass.inner_text() and "shop_quote" in glass.inner_text()
    _screenshot(page, "claim-documents-2")
