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
