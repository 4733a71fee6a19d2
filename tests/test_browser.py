"""The first flow people click through: log in, see their district, switch to Khmer, stay in Khmer.

Headless Debian Chromium through Playwright against pytest-django's live server (which implies
`transactional_db`). Screenshots go to test-artifacts/.
"""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from districts.models import Role
from tests.factories import AssignmentFactory, DistrictFactory, ProvinceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Thpong-latrines-2024"


@pytest.fixture
def dso_thpong(transactional_db):
    province = ProvinceFactory(code="05", name_latin="Kampong Speu", name_km="កំពង់ស្ពឺ")
    district = DistrictFactory(province=province, code="0508", name_latin="Thpong", name_km="ថ្ពង")
    user = UserFactory(username="dso_thpong", first_name="Sokha", last_name="Chea", password=PASSWORD)
    AssignmentFactory(user=user, role=Role.DSO, district=district)
    return user


@pytest.fixture
def english_page(browser):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def test_dso_logs_in_switches_to_khmer_and_khmer_is_remembered(live_server, english_page, dso_thpong, artifacts_dir):
    page = english_page
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("input[name=username]", "dso_thpong")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:not(#language-switcher) [type=submit]")

    # English home page with the district card.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Welcome, Sokha Chea")
    expect(page.locator("#assignments")).to_contain_text("Thpong")
    expect(page.locator("#assignments")).to_contain_text("Kampong Speu")
    english_title = page.title()
    assert english_title.startswith("Home")
    page.screenshot(path=os.path.join(artifacts_dir, "foundation-home-en.png"), full_page=True)

    # Switch to Khmer.
    page.click("#language-switcher button[value=km]")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page).to_have_url(f"{live_server.url}/")
    card_title = page.locator("#assignments .assignment h2")
    expect(card_title).to_contain_text("ថ្ពង")
    assert card_title.inner_text().startswith("ថ្ពង")  # Khmer name first, Latin in brackets
    expect(page.locator("#language-switcher button[value=km]")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=os.path.join(artifacts_dir, "foundation-home-km.png"), full_page=True)
    khmer_title = page.title()

    # A fresh page in the same browser context remembers Khmer (language cookie).
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies.get("django_language") == "km"
    fresh = page.context.new_page()
    fresh.on("request", lambda request: requested.append(request.url))
    fresh.goto(f"{live_server.url}/")
    expect(fresh.locator("html")).to_have_attribute("lang", "km")
    expect(fresh.locator("#assignments")).to_contain_text("ថ្ពង")
    fresh.close()

    # Nothing was fetched from outside this machine (no CDN fonts, scripts or analytics).
    live = urlsplit(live_server.url)
    outside = [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob")
        and (urlsplit(url).hostname not in ("127.0.0.1", "localhost") or urlsplit(url).port != live.port)
    ]
    assert requested and not outside, outside

    # Needs the Khmer catalogue (locale/km/LC_MESSAGES/django.mo): the UI chrome must be translated too.
    assert khmer_title != english_title, (
        f"page title still {khmer_title!r} in Khmer; compile the Khmer translations (manage.py compilemessages)"
    )
