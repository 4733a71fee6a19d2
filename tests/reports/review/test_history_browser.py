"""The history page in a browser, on a phone (390 px, in Khmer) and on a desktop (1366 px, in English): a
quarter whose village rows were pre-filled from last quarter and then saved, with hundreds of figures entered.

The page stays short (the walkthrough found one 58,875 px tall), pre-filled values open without any script,
and the page links keep the filters. Screenshots go to test-artifacts/: history-1366.png,
history-1366-prefill-open.png, history-390-km.png.
"""

import os

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import (
    CommuneFactory,
    DistrictReportFactory,
    ReportingPeriodFactory,
    VillageFactory,
)
from tests.reports.pages import html, values
from tests.reports.review.browsing import log_in, thpong

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HISTORY = "/reports/0508/2019/q3/history/"
# The walkthrough measured 58,875 px for a page of 1,000 lines; a page of 50 lines stays far below this.
MAX_HEIGHT = 9000


@pytest.fixture
def quarter(transactional_db):
    """District 0508: commune 050801 with 12 villages, pre-filled from 2019 Q2 and saved by the DSO in Q3, and
    commune 050802 with 40 villages entered (by the same DSO) with no last quarter to start from."""
    place = thpong()
    district, dso, reviewer = place.district, place.dso, place.reviewer
    prefilled = CommuneFactory(district=district, code="050801", name_latin="Amleang", name_km="អមលាំង")
    for i in range(12):
        VillageFactory(
            commune=prefilled, code=f"050801{i + 1:02d}", name_latin=f"Trapeang {i + 1}", name_km=f"ត្រពាំង {i + 1}"
        )
    q2 = ReportingPeriodFactory(year=2019, quarter=2, is_open=False)
    DistrictReportFactory(district=district, period=q2, approved=True, filled=True)
    entered = CommuneFactory(district=district, code="050802", name_latin="Trapeang Kong", name_km="ត្រពាំងគង")
    for i in range(40):
        VillageFactory(commune=entered, code=f"050802{i + 1:02d}", name_latin=f"Prey {i + 1}", name_km=f"ព្រៃ {i + 1}")
    ReportingPeriodFactory(year=2019, quarter=3)
    client = Client()
    client.force_login(dso)
    for commune in ("050802", "050801"):  # the pre-filled save last: its line is the newest
        commune_url = reverse("reports:commune", args=["0508", 2019, 3, commune])
        posted = {
            name: value
            for name, value in values(client.get(commune_url)).items()
            if name.startswith(("villages-", "activities-", "version"))
        }
        for index in range(40):  # this quarter's latrines; the rows of the new commune as a DSO types them
            posted[f"villages-{index}-latrines_built"] = "2"
            if commune == "050802":
                posted.update(
                    {
                        f"villages-{index}-households_total": "80",
                        f"villages-{index}-hh_improved_own": "40",
                        f"villages-{index}-hh_improved_shared": "10",
                        f"villages-{index}-hh_unimproved": "20",
                        f"villages-{index}-hh_open_defecation": "10",
                        f"villages-{index}-idpoor_households": "16",
                        f"villages-{index}-idpoor_improved": "8",
                        f"villages-{index}-hh_handwashing": "40",
                        f"villages-{index}-odf_status": "not_triggered",
                    }
                )
        response = client.post(commune_url, posted)
        assert response.status_code == 302, html(response)
    return reviewer


def test_history_page_is_short_opens_prefilled_values_and_pages_on_desktop_and_phone(
    live_server, browser, quarter, artifacts_dir
):
    base = live_server.url
    desktop_context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    phone_context = browser.new_context(locale="km-KH", viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        desktop = desktop_context.new_page()
        log_in(desktop, base, "reviewer_ks", HISTORY)
        expect(desktop.locator("#changes-count")).to_contain_text("Showing 1–50 of")
        prefill = desktop.locator("#changes tr.prefill details")
        expect(prefill).to_have_count(1)
        expect(prefill.locator("summary")).to_contain_text("figures pre-filled from Q2 2019 (Trapeang 1, Trapeang 2,")
        assert desktop.evaluate("document.documentElement.scrollHeight") < MAX_HEIGHT
        desktop.screenshot(path=os.path.join(artifacts_dir, "history-1366.png"), full_page=True)

        prefill.locator("summary").click()
        expect(prefill.locator("tbody tr").first).to_be_visible()
        prefill.scroll_into_view_if_needed()
        desktop.screenshot(path=os.path.join(artifacts_dir, "history-1366-prefill-open.png"), full_page=True)

        desktop.select_option("#id_village", "05080201")
        desktop.click("#history-filters button[type=submit]")
        expect(desktop).to_have_url(f"{base}{HISTORY}?village=05080201&person=")
        rows = desktop.locator("#changes > tbody > tr")
        expect(rows.first).to_contain_text("05080201 Prey 1")
        desktop.goto(f"{base}{HISTORY}?page=2")
        desktop.click("#changes-pages a[rel=next]")
        assert "page=3" in desktop.url

        phone = phone_context.new_page()
        log_in(phone, base, "reviewer_ks", HISTORY)
        expect(phone.locator("html")).to_have_attribute("lang", "km")
        assert phone.evaluate("document.documentElement.scrollHeight") < MAX_HEIGHT * 2
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls inside its box
        phone.screenshot(path=os.path.join(artifacts_dir, "history-390-km.png"), full_page=True)
    finally:
        desktop_context.close()
        phone_context.close()
