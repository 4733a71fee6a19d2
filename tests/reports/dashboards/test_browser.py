"""The national dashboard in Khmer, in headless Chromium: every chart is drawn (SVG), from our own server only.

Playwright against pytest-django's live server (transactional database). The screenshot goes to
test-artifacts/dashboard-national-km.png.
"""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from reports.models import NationalSettings, ReportStatus
from reports.rollups.build import rebuild_period
from tests.factories import DistrictReportFactory, ReportingPeriodFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
QUARTERS = [(2024, 2), (2024, 3), (2024, 4), (2025, 1)]
TRAINING = {
    "topic": "clts",
    "participants_provincial": 0,
    "participants_district": 0,
    "participants_commune": 6,
    "participants_village": 20,
    "women": 11,
}


@pytest.fixture
def national_data(transactional_db, world):
    """Four quarters of rising coverage in the three districts; one report still waiting for review."""
    periods = [ReportingPeriodFactory(year=year, quarter=quarter) for year, quarter in QUARTERS]
    for step, period in enumerate(periods):
        for district in (world.district_a, world.district_b, world.district_c):
            status = ReportStatus.SUBMITTED if (step, district) == (3, world.district_b) else ReportStatus.APPROVED
            DistrictReportFactory(
                district=district,
                period=period,
                filled=True,
                status=status,
                trainings=[TRAINING],
                villages__own=40 + 8 * step,
                villages__unimproved=30 - 5 * step,
            )
        rebuild_period(period.pk)
    settings_row = NationalSettings.current()
    settings_row.target_year = 2030
    settings_row.save()


@pytest.fixture
def khmer_page(browser):
    context = browser.new_context(locale="km-KH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_national_dashboard_in_khmer_draws_every_chart_from_our_server(
    live_server, khmer_page, mrd, national_data, artifacts_dir
):
    page = khmer_page
    requested, errors = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/accounts/login/?next=/reports/dashboard/national/")
    page.fill("input[name=username]", mrd.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:not(#language-switcher) [type=submit]")
    expect(page).to_have_url(f"{live_server.url}/reports/dashboard/national/")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("h1")).to_contain_text("កម្ពុជា")

    plots = page.locator(".dash-plot")
    assert plots.count() == 11  # ten trend and comparison charts and the ODF funnel
    # Charts below the fold are drawn when the browser is idle: wait until every container holds an SVG.
    # (Locators, not wait_for_function: the page's Content-Security-Policy forbids evaluating strings.)
    expect(page.locator(".dash-plot:has(svg.main-svg)")).to_have_count(11, timeout=30_000)
    assert errors == []
    # Khmer in the charts themselves: axis titles and quarter labels are SVG text.
    coverage_text = page.locator("#chart-coverage svg text").all_text_contents()
    assert any("ត្រីមាស" in text for text in coverage_text), coverage_text
    assert any("ឆ្នាំ2025" in text for text in coverage_text), coverage_text
    # The table view holds the same numbers, and the sortable league table sorts.
    page.locator("#chart-coverage summary").click()
    expect(page.locator("#chart-coverage details table")).to_be_visible()
    league = page.locator("#table-league table")
    league.locator("th button").nth(1).click()
    expect(league.locator("th").nth(1)).to_have_attribute("aria-sort", "descending")

    page.screenshot(path=os.path.join(artifacts_dir, "dashboard-national-km.png"), full_page=True)

    # plotly.js came from our static files, and nothing left this machine: every request went to the live
    # server (pytest-django names it localhost, which is 127.0.0.1 here).
    assert any(urlsplit(url).path.endswith("/vendor/plotly/plotly-basic.min.js") for url in requested)
    live = urlsplit(live_server.url)
    outside = [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob")
        and (urlsplit(url).hostname not in ("127.0.0.1", "localhost") or urlsplit(url).port != live.port)
    ]
    assert requested and not outside, outside


def test_provisional_switch_marks_the_figures(live_server, khmer_page, mrd, national_data):
    page = khmer_page
    page.goto(f"{live_server.url}/accounts/login/?next=/reports/dashboard/national/")
    page.fill("input[name=username]", mrd.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:not(#language-switcher) [type=submit]")
    expect(page.locator("#provisional-note")).to_have_count(0)
    page.check("#dashboard-provisional")  # the picker applies itself on change
    expect(page).to_have_url(f"{live_server.url}/reports/dashboard/national/?quarter=2025Q1&provisional=1")
    expect(page.locator("#provisional-note")).to_be_visible()
    page.locator("#chart-coverage .dash-plot svg.main-svg").first.wait_for(timeout=30_000)


def test_a_quarter_still_coming_in_says_what_it_rests_on_on_a_phone(
    live_server, browser, reviewer_p, national_data, world, artifacts_dir
):
    """2025 Q2: only district A has reported; B's figures are carried forward from Q1 2025, and say so."""
    period = ReportingPeriodFactory(year=2025, quarter=2)
    DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True, villages__own=60)
    rebuild_period(period.pk)
    context = browser.new_context(locale="km-KH", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/reports/dashboard/province/05/")
    page.fill("input[name=username]", reviewer_p.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:not(#language-switcher) [type=submit]")
    basis = page.locator("#dashboard-basis")
    expect(basis).to_be_visible()
    expect(basis).to_contain_text("ផ្អែកលើស្រុក 2 ក្នុងចំណោម 2៖ 1 បានរាយការណ៍ក្នុងត្រីមាសនេះ")
    expect(basis).to_contain_text("ត្រីមាសទី4 ឆ្នាំ2024")
    expect(page.locator("#kpi-coverage .dash-basis")).to_contain_text("ប្រើតួលេខពីមុន 1")
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The league table names the carried district's basis.
    expect(page.locator("#table-league")).to_contain_text("ប្រើតួលេខពី ត្រីមាសទី4 ឆ្នាំ2024")
    page.locator("#chart-coverage summary").click()
    expect(page.locator("#chart-coverage details table")).to_contain_text("ប្រភពតួលេខ")
    page.screenshot(path=os.path.join(artifacts_dir, "dashboard-province-carried-km-phone.png"), full_page=True)
    context.close()
