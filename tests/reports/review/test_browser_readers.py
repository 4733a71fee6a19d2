"""Pages for each reader, clicked through in headless Chromium: the DSO's home with a returned report, the
Provincial Administration's inbox, a commune focal point's home (each at a phone's 390 px and a desktop's
1366 px), and approving with a confirmation, in a dialog with JavaScript and on a page of its own without.

Screenshots go to test-artifacts/: home-returned-{390,1366}.png, pa-inbox-{390,1366}.png,
focal-home-{390,1366}.png, approve-dialog.png, approve-confirm-no-js.png.
"""

import os

import pytest
from playwright.sync_api import expect

from districts.models import Role
from reports.models import DistrictReport, ReportStatus
from reports.review import workflow
from tests.factories import (
    AssignmentFactory,
    DistrictFactory,
    DistrictReportFactory,
    ProvinceFactory,
    ReportingPeriodFactory,
    UserFactory,
)
from tests.reports.review import browsing
from tests.reports.review.browsing import two_communes_of_two_villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (390, 1366)


@pytest.fixture
def province(transactional_db):
    """Kampong Speu with Thpong (two communes of two villages) and Basedth, their DSOs, a PDRD reviewer and the
    Provincial Administration; Q3 2019 open and Q2 2019 closed."""
    province = ProvinceFactory(code="05", name_latin="Kampong Speu", name_km="កំពង់ស្ពឺ")
    thpong = DistrictFactory(province=province, code="0508", name_latin="Thpong", name_km="ថ្ពង")
    basedth = DistrictFactory(province=province, code="0501", name_latin="Basedth", name_km="បរសេដ្ឋ")
    two_communes_of_two_villages(thpong)
    people = {}
    for username, role, unit in (
        ("dso_thpong", Role.DSO, {"district": thpong}),
        ("dso_basedth", Role.DSO, {"district": basedth}),
        ("reviewer_ks", Role.PDRD_REVIEWER, {"province": province}),
        ("pa_ks", Role.PA_VIEWER, {"province": province}),
    ):
        people[username] = UserFactory(username=username, first_name=username.split("_")[1].title(), last_name="Chea")
        AssignmentFactory(user=people[username], role=role, **unit)
    q3 = ReportingPeriodFactory(year=2019, quarter=3)
    q2 = ReportingPeriodFactory(year=2019, quarter=2, is_open=False)
    return {"thpong": thpong, "basedth": basedth, "q3": q3, "q2": q2, **people}


def logged_in(browser, base, username, next_path, width=1366, javascript=True):
    context = browser.new_context(
        locale="en-US", viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )
    page = context.new_page()
    browsing.log_in(page, base, username, next_path)
    return context, page


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_dso_home_shows_the_returned_report_first(live_server, browser, province, artifacts_dir):
    report = DistrictReportFactory(district=province["thpong"], period=province["q3"], complete=True)
    workflow.submit_report(report=report, by=province["dso_thpong"])
    workflow.return_report(
        report=report,
        by=province["reviewer_ks"],
        comments=[
            ("village:05080101:households_total", "", "Last quarter this village had 120 households."),
            ("district:ft_received", "", "The bank statement says 900 USD."),
        ],
    )
    for width in WIDTHS:
        context, page = logged_in(browser, live_server.url, "dso_thpong", "/", width)
        try:
            section = page.locator("#returned-reports")
            expect(section).to_be_visible()
            expect(section).to_contain_text("Q3 2019 — Thpong")
            expect(section).to_contain_text("2 comments to answer")
            first_in_main = page.locator("main > *:not(.alert-success):not(.alert-info)").first
            expect(first_in_main).to_have_id("returned-reports")
            assert no_horizontal_scroll(page)
            page.screenshot(path=os.path.join(artifacts_dir, f"home-returned-{width}.png"), full_page=True)
            if width == 1366:
                section.get_by_role("link", name="Open the report").click()
                expect(page).to_have_url(f"{live_server.url}{report.get_absolute_url()}")
                expect(page.locator("#review-comments")).to_contain_text("The bank statement says 900 USD.")
        finally:
            context.close()


def test_the_provincial_administration_reads_its_inbox(live_server, browser, province, artifacts_dir):
    DistrictReportFactory(district=province["thpong"], period=province["q3"], submitted=True)
    DistrictReportFactory(district=province["thpong"], period=province["q2"], approved=True)
    DistrictReportFactory(district=province["basedth"], period=province["q2"], approved=True, late=True)
    DistrictReportFactory(district=province["basedth"], period=province["q3"])  # a draft: not sent
    for width in WIDTHS:
        context, page = logged_in(browser, live_server.url, "pa_ks", "/", width)
        try:
            if width == 1366:
                page.locator("#main-nav").get_by_role("link", name="Reports received").click()
            else:
                page.locator("#assignments").get_by_role("link", name="Reports received").click()
            expect(page).to_have_url(f"{live_server.url}/reports/province/05/inbox/")
            rows = page.locator("#inbox tr.inbox-report")
            expect(rows).to_have_count(3)
            expect(rows.first).to_contain_text("Q3 2019")
            expect(rows.first).to_contain_text("Submitted")
            assert no_horizontal_scroll(page)
            # Links and PDFs are in view on a phone too: the table does not scroll sideways.
            assert page.locator("#inbox").evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
            page.screenshot(path=os.path.join(artifacts_dir, f"pa-inbox-{width}.png"), full_page=True)
            if width == 1366:
                rows.first.get_by_role("link", name="Q3 2019 — Thpong").click()
                expect(page).to_have_url(f"{live_server.url}/reports/0508/2019/q3/")
                expect(page.locator("#approve-report")).to_have_count(0)
        finally:
            context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["dialog", "no-javascript"])
def test_approving_asks_for_confirmation(live_server, browser, province, artifacts_dir, javascript):
    report = DistrictReportFactory(district=province["thpong"], period=province["q3"], complete=True)
    workflow.submit_report(report=report, by=province["dso_thpong"])
    path = report.get_absolute_url()
    context, page = logged_in(browser, live_server.url, "reviewer_ks", path, javascript=javascript)
    try:
        page.click("#approve-report")
        if javascript:
            expect(page.locator("#approve-dialog")).to_be_visible()
            expect(page).to_have_url(f"{live_server.url}{path}")
            page.wait_for_timeout(400)  # Bootstrap's fade-in, for the screenshot
            page.screenshot(path=os.path.join(artifacts_dir, "approve-dialog.png"))
            # Cancel closes the dialog and approves nothing.
            page.locator("#approve-dialog").get_by_role("link", name="Cancel").click()
            expect(page.locator("#approve-dialog")).to_be_hidden()
            assert DistrictReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
            page.click("#approve-report")
        else:
            expect(page).to_have_url(f"{live_server.url}{path}approve/")
            expect(page.locator("#approve-confirmation")).to_contain_text("Approve this report?")
            page.screenshot(path=os.path.join(artifacts_dir, "approve-confirm-no-js.png"), full_page=True)
        assert DistrictReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
        page.click("#confirm-approve")
        expect(page).to_have_url(f"{live_server.url}{path}")
        expect(page.locator(".alert-success")).to_contain_text("Approved. The report is now locked.")
        assert DistrictReport.objects.get(pk=report.pk).status == ReportStatus.APPROVED
    finally:
        context.close()


def test_the_commune_focal_point_sees_the_district_reports_state(live_server, browser, province, artifacts_dir):
    commune = province["thpong"].communes.get(code="050801")
    focal = UserFactory(username="focal_ks", first_name="Srey", last_name="Chea")
    AssignmentFactory(user=focal, role=Role.COMMUNE_FOCAL_POINT, commune=commune)
    DistrictReportFactory(district=province["thpong"], period=province["q3"], approved=True)
    for width in WIDTHS:
        context, page = logged_in(browser, live_server.url, "focal_ks", "/", width)
        try:
            row = page.locator("#assignments tr.commune-quarter")
            expect(row).to_contain_text("Approved")
            expect(row.get_by_role("link", name="View (read only)")).to_be_visible()
            assert no_horizontal_scroll(page)
            page.screenshot(path=os.path.join(artifacts_dir, f"focal-home-{width}.png"), full_page=True)
            if width == 1366:
                row.get_by_role("link", name="View (read only)").click()
                expect(page.locator("#read-only-notice")).to_contain_text("The district report was approved on")
                expect(page.locator("#read-only-badge")).to_be_visible()
        finally:
            context.close()
