"""The review round trip, clicked through in two browsers: the DSO (in Khmer) submits, the PDRD reviewer
(in English) returns it with a comment on one village figure, the DSO sees the comment next to that
figure, corrects it and submits again, the reviewer approves.

Headless Debian Chromium through Playwright against pytest-django's live server. Screenshots go to
test-artifacts/: workflow-submitted.png, workflow-returned-dso.png, workflow-approved.png.
"""

import os

import pytest
from playwright.sync_api import expect

from reports.models import DistrictReport, ReportEvent, ReportStatus, ReviewComment, VillageQuarter
from tests.factories import (
    DistrictReportFactory,
    ReportingPeriodFactory,
)
from tests.reports.pages import good_village
from tests.reports.review.browsing import log_in, thpong, two_communes_of_two_villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VILLAGE = "05080101"
COMMENT = "Last quarter this village had 120 households. Please check the total."


@pytest.fixture
def flow(transactional_db):
    """Province 05 with district 0508 (two communes of two villages), its DSO and PDRD reviewer, 2019 Q3 open,
    and the district's report complete but still a draft."""
    place = thpong()
    two_communes_of_two_villages(place.district)
    period = ReportingPeriodFactory(year=2019, quarter=3)  # due 15 October
    return DistrictReportFactory(district=place.district, period=period, complete=True, by=place.dso)


def new_page(browser, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    return context, context.new_page()


def status_of(report):
    return DistrictReport.objects.get(pk=report.pk).status


def test_dso_submits_reviewer_returns_dso_corrects_reviewer_approves(live_server, browser, flow, artifacts_dir):
    base, report = live_server.url, flow
    report_path = "/reports/0508/2019/q3/"
    commune_path = f"{report_path}commune/050801/"
    dso_context, dso = new_page(browser, "km-KH")
    reviewer_context, reviewer = new_page(browser, "en-US")
    try:
        # The DSO, in Khmer, submits the complete report.
        log_in(dso, base, "dso_thpong", report_path)
        expect(dso.locator("html")).to_have_attribute("lang", "km")
        dso.click("#submit-report")
        expect(dso.locator("#submit-report")).to_have_count(0)
        assert status_of(report) == ReportStatus.SUBMITTED
        dso.screenshot(path=os.path.join(artifacts_dir, "workflow-submitted.png"), full_page=True)

        # The reviewer, in English, finds it in the queue and returns it with a comment on one village figure.
        log_in(reviewer, base, "reviewer_ks", "/reports/review/")
        expect(reviewer.locator("html")).to_have_attribute("lang", "en")
        row = reviewer.locator("#queue tbody tr", has_text="Thpong")
        expect(row).to_have_count(1)
        row.get_by_role("link", name="Review").click()
        expect(reviewer).to_have_url(f"{base}{report_path}")
        reviewer.select_option("#id_comments-0-figure", "village:households_total")
        reviewer.select_option("#id_comments-0-unit", VILLAGE)
        reviewer.fill("#id_comments-0-text", COMMENT)
        reviewer.click("#return-report")
        expect(reviewer.locator("#review-comments")).to_contain_text(COMMENT)
        assert status_of(report) == ReportStatus.RETURNED
        assert list(ReviewComment.objects.values_list("target", "text")) == [
            (f"village:{VILLAGE}:households_total", COMMENT)
        ]

        # The DSO sees the comment under that village's figures (the figure marked), corrects it and submits again.
        dso.goto(f"{base}{commune_path}")
        village_row = dso.locator(f"tbody[data-village='{VILLAGE}']")
        expect(village_row.locator(".review-comment")).to_contain_text(COMMENT)
        expect(village_row.locator(".has-comment [name$='-households_total']")).to_have_count(1)
        expect(dso.locator("tbody[data-village='05080102'] .review-comment")).to_have_count(0)
        village_row.scroll_into_view_if_needed()
        dso.screenshot(path=os.path.join(artifacts_dir, "workflow-returned-dso.png"), full_page=True)
        for field, value in good_village(120).items():
            if field in VillageQuarter.COUNT_FIELDS:
                dso.fill(f"[name='villages-0-{field}']", str(value))
        dso.click("#commune-form button[type=submit]")
        expect(dso.locator(".alert-success")).to_have_count(1)
        assert VillageQuarter.objects.get(report=report, village__code=VILLAGE).households_total == 120
        dso.goto(f"{base}{report_path}")
        dso.click("#submit-report")
        expect(dso.locator("#submit-report")).to_have_count(0)
        assert status_of(report) == ReportStatus.SUBMITTED

        # The reviewer approves, confirming in the dialog the Approve button opens.
        reviewer.goto(f"{base}{report_path}")
        reviewer.click("#approve-report")
        expect(reviewer.locator("#approve-dialog")).to_be_visible()
        assert status_of(report) == ReportStatus.SUBMITTED  # nothing approved until confirmed
        reviewer.click("#confirm-approve")
        expect(reviewer.locator("#review-panel")).to_have_count(0)
        expect(reviewer.locator(".alert-success")).to_contain_text("Approved")
        reviewer.screenshot(path=os.path.join(artifacts_dir, "workflow-approved.png"), full_page=True)
        assert status_of(report) == ReportStatus.APPROVED
        assert list(ReportEvent.objects.filter(report=report).values_list("action", "round")) == [
            ("submitted", 1),
            ("returned", 1),
            ("submitted", 2),
            ("approved", 2),
        ]
    finally:
        dso_context.close()
        reviewer_context.close()
