"""The verification team's visit form on a 390 px phone, in Khmer: a team member from another district answers the
checklist, forgets the number of households (refused, every answer kept), then records the visit.
Screenshots: test-artifacts/odf-visit-phone-refused.png, odf-visit-phone-recorded.png."""

import datetime
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from districts.models import Role
from reports.odf import workflow
from reports.odf.models import ChecklistItem, OdfClaim
from tests.factories import AssignmentFactory, DistrictFactory, UserFactory
from tests.reports.review.browsing import log_in, thpong, two_communes_of_two_villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def claim(transactional_db):
    place = thpong()
    two_communes_of_two_villages(place.district)
    other = DistrictFactory(province=place.province, code="0501", name_latin="Basedth", name_km="បរសេដ្ឋ")
    verifier = UserFactory(username="verifier_b", first_name="Vanna", last_name="Kim")
    AssignmentFactory(user=verifier, role=Role.DSO, district=other)
    village = place.district.communes.get(code="050801").villages.get(code="05080101")
    claim = workflow.claim(village=village, by=place.dso, declared_on=timezone.localdate(), evidence="All latrines")
    due = timezone.localdate() + datetime.timedelta(days=7)
    workflow.assign_team(claim=claim, by=place.reviewer, members=[verifier], due_on=due)
    return claim


def test_a_verifier_records_the_visit_on_a_phone_in_khmer(live_server, browser, claim, artifacts_dir):
    context = browser.new_context(locale="km-KH", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "verifier_b", "/reports/odf/village/05080101/visit/")
        expect(page.locator("html")).to_have_attribute("lang", "km")
        for item in ChecklistItem.objects.active():
            page.check(f"input[name=item_{item.pk}][value=yes]")
        page.check("input[name=result][value=pass]")
        page.click("#submit-id-record")

        expect(page.locator("#id_households_visited")).to_have_class("numberinput form-control is-invalid")
        assert all(page.is_checked(f"input[name=item_{i.pk}][value=yes]") for i in ChecklistItem.objects.active())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=os.path.join(artifacts_dir, "odf-visit-phone-refused.png"), full_page=True)

        page.fill("#id_households_visited", "42")
        page.click("#submit-id-record")
        expect(page.locator("#visit-recorded")).to_be_visible()
        page.screenshot(path=os.path.join(artifacts_dir, "odf-visit-phone-recorded.png"), full_page=True)
        assert OdfClaim.objects.get(pk=claim.pk).state == OdfClaim.State.PASSED
    finally:
        context.close()


@pytest.fixture
def thpong_with_a_verifier(transactional_db):
    """Thpong with its DSO and PDRD reviewer, and a DSO of Basedth (same province) to verify."""
    place = thpong()
    two_communes_of_two_villages(place.district)
    other = DistrictFactory(province=place.province, code="0501", name_latin="Basedth", name_km="បរសេដ្ឋ")
    verifier = UserFactory(username="verifier_b", first_name="Vanna", last_name="Kim")
    AssignmentFactory(user=verifier, role=Role.DSO, district=other)
    return place


def _session(browser, live_server, username, path, **viewport):
    context = browser.new_context(locale="en-GB", viewport=viewport or {"width": 1366, "height": 768})
    page = context.new_page()
    log_in(page, live_server.url, username, path)
    return context, page


def test_the_whole_walk_claim_team_visit_on_a_phone_certify_and_the_certificate(
    live_server, browser, thpong_with_a_verifier, artifacts_dir
):
    """Issue 15's walk, each step by its own person in their own browser: the DSO declares the village, the PDRD
    reviewer assigns the Basedth DSO, who records the visit on a 390 px phone, the reviewer certifies, and the
    village certificate downloads from the village's page (read back, its first page saved as a PNG)."""
    from tests.reports.documents.pdfs import first_page_png, pdf_text

    village_path = "/reports/odf/village/05080101/"
    context, page = _session(browser, live_server, "dso_thpong", village_path)
    try:
        page.fill("#id_evidence", "Every household has an improved latrine and uses it; no faeces seen.")
        page.click("#submit-id-claim")
        expect(page.locator("#odf-claim")).to_be_visible()
    finally:
        context.close()

    context, page = _session(browser, live_server, "reviewer_ks", village_path)
    try:
        page.click("#assign-team")
        page.get_by_label("Vanna Kim", exact=False).check()
        page.click("#submit-id-assign")
        expect(page.locator("#odf-claim")).to_contain_text("Vanna Kim")
    finally:
        context.close()

    context, page = _session(browser, live_server, "verifier_b", f"{village_path}visit/", width=390, height=844)
    try:
        for item in ChecklistItem.objects.active():
            page.check(f"input[name=item_{item.pk}][value=yes]")
        page.fill("#id_households_visited", "38")
        page.check("input[name=result][value=pass]")
        page.click("#submit-id-record")
        expect(page.locator("#visit-recorded")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()

    context, page = _session(browser, live_server, "reviewer_ks", village_path)
    try:
        page.click("#certify")
        page.click("#confirm-certify")
        expect(page.locator("#odf-certificates")).to_be_visible()
        page.screenshot(path=os.path.join(artifacts_dir, "odf-walk-certified.png"), full_page=True)
        link = page.locator("#odf-certificates a[lang=en]").first
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.body())
        for expected in ("KINGDOM OF CAMBODIA", "Village 1.1", "Vanna Kim", "Dara Meas", "38"):
            assert expected.lower() in text.lower(), expected
        first_page_png(response.body(), "odf-walk-certificate-village-en")
    finally:
        context.close()
    assert OdfClaim.objects.get(village__code="05080101").state == OdfClaim.State.CERTIFIED
