"""A district officer fills a commune page in Khmer: logs in, types the villages' figures, gets an
error next to the wrong figure in Khmer, corrects it, saves, and finds the figures again.

Headless Debian Chromium through Playwright against pytest-django's live server (which implies
`transactional_db`). Screenshots go to test-artifacts/.
"""

import io
import os
import threading

import pytest
from django.utils import translation
from playwright.sync_api import expect

from districts.models import Role, Village
from reports.entry import validation
from reports.models import CommuneQuarter, Training, VillageQuarter
from tests.factories import (
    AssignmentFactory,
    CommuneFactory,
    DistrictFactory,
    DistrictReportFactory,
    ProvinceFactory,
    ReportingPeriodFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-battery"  # UserFactory's default
VILLAGES = ["05080101", "05080102"]
FIGURES = {  # what the officer types, village by village
    "05080101": {
        "households_total": "120",
        "hh_improved_own": "60",
        "hh_improved_shared": "10",
        "hh_unimproved": "30",
        "hh_open_defecation": "20",
        "idpoor_households": "25",
        "idpoor_improved": "12",
        "latrines_built": "4",
        "hh_handwashing": "70",
    },
    "05080102": {
        "households_total": "80",
        "hh_improved_own": "30",
        "hh_improved_shared": "5",
        "hh_unimproved": "25",
        "hh_open_defecation": "20",
        "idpoor_households": "10",
        "idpoor_improved": "3",
        "latrines_built": "2",
        "hh_handwashing": "40",
    },
}
TYPO = {"hh_unimproved": "35"}  # village 2's groups then add up to 90, not 80


@pytest.fixture
def thpong(transactional_db):
    province = ProvinceFactory(code="05", name_latin="Kampong Speu", name_km="កំពង់ស្ពឺ")
    district = DistrictFactory(province=province, code="0508", name_latin="Thpong", name_km="ថ្ពង")
    commune = CommuneFactory(district=district, code="050801", name_latin="Amleang", name_km="អមលាំង")
    VillageFactory(commune=commune, code="05080101", name_latin="Trapeang Chour", name_km="ត្រពាំងជោ")
    VillageFactory(commune=commune, code="05080102", name_latin="Prey Kdei", name_km="ព្រៃក្ដី")
    ReportingPeriodFactory(year=2019, quarter=3)  # open, due 15 October
    user = UserFactory(username="dso_thpong", first_name="Sokha", last_name="Chea")
    AssignmentFactory(user=user, role=Role.DSO, district=district)
    return commune


@pytest.fixture
def khmer_page(browser):
    context = browser.new_context(locale="km-KH", viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def log_in(page, url, username):
    """Open `url`, log in on the page it sends to, and arrive at `url`."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#submit-id-submit")
    expect(page).to_have_url(url)


def fill_village(page, index, figures):
    for field, value in figures.items():
        page.fill(f"[name=villages-{index}-{field}]", value)
    page.select_option(f"[name=villages-{index}-odf_status]", "triggered")


def test_dso_fills_a_commune_page_in_khmer_corrects_an_error_and_finds_the_figures(
    live_server, khmer_page, thpong, artifacts_dir
):
    page = khmer_page
    url = f"{live_server.url}/reports/0508/2019/q3/commune/050801/"

    page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.fill("input[name=username]", "dso_thpong")
    page.fill("input[name=password]", PASSWORD)
    page.click("#submit-id-submit")

    expect(page).to_have_url(url)
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("#village-table tr.village-row")).to_have_count(2)

    fill_village(page, 0, FIGURES["05080101"])
    fill_village(page, 1, {**FIGURES["05080102"], **TYPO})
    page.fill("[name=activities-triggering_events]", "2")
    page.click("#commune-form button[type=submit]")

    with translation.override("km"):
        wrong = {f: int(v) for f, v in {**FIGURES["05080102"], **TYPO}.items()}
        message = validation.village_errors(wrong)["households_total"][0]
    with translation.override("en"):
        english = validation.village_errors(wrong)["households_total"][0]
    assert message != english, "the Khmer catalogue has no translation for the household-groups error"
    # The figure is marked; the message, headed by the figure's name, is on the line under the village's row.
    expect(page.locator("tbody[data-village='05080102'] .invalid-feedback")).to_contain_text(message)
    expect(page.locator("[name=villages-1-households_total]")).to_have_class("form-control form-control-sm is-invalid")
    expect(page.locator("tbody[data-village='05080101'] .invalid-feedback")).to_have_count(0)
    # Everything typed is still there, the typo included.
    expect(page.locator("[name=villages-0-hh_handwashing]")).to_have_value("70")
    expect(page.locator("[name=villages-1-hh_unimproved]")).to_have_value("35")
    expect(page.locator("[name=activities-triggering_events]")).to_have_value("2")
    assert not VillageQuarter.objects.exists()
    page.locator("#village-05080102").scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(artifacts_dir, "entry-error-km.png"), full_page=True)

    page.fill("[name=villages-1-hh_unimproved]", FIGURES["05080102"]["hh_unimproved"])
    page.click("#commune-form button[type=submit]")

    expect(page).to_have_url(url)
    expect(page.locator(".alert-success")).to_have_count(1)
    expect(page.locator(".invalid-feedback")).to_have_count(0)
    page.reload()
    for index, code in enumerate(VILLAGES):
        for field, value in FIGURES[code].items():
            expect(page.locator(f"[name=villages-{index}-{field}]")).to_have_value(value)
        expect(page.locator(f"[name=villages-{index}-odf_status]")).to_have_value("triggered")
    expect(page.locator("[name=activities-triggering_events]")).to_have_value("2")
    page.screenshot(path=os.path.join(artifacts_dir, "entry-saved-km.png"), full_page=True)

    saved = {row.village.code: row.households_total for row in VillageQuarter.objects.select_related("village")}
    assert saved == {"05080101": 120, "05080102": 80}
    assert CommuneQuarter.objects.get(commune=thpong).triggering_events == 2


@pytest.fixture
def seven_villages(thpong):
    """Amleang with seven villages, the longest Khmer names the gazetteer has in that range."""
    for number in range(3, 8):
        VillageFactory(
            commune=thpong, code=f"050801{number:02d}", name_latin=f"Village {number}", name_km="ត្រពាំងស្វាយព្រៃ"
        )
    return thpong


@pytest.fixture
def focal_point(seven_villages):
    user = UserFactory(username="focal_amleang", first_name="Dara", last_name="Kim")
    AssignmentFactory(user=user, role=Role.COMMUNE_FOCAL_POINT, commune=seven_villages)
    return user


@pytest.mark.parametrize("person", ["dso_thpong", "focal_amleang"])
@pytest.mark.parametrize(("size", "width", "height"), [("laptop", 1366, 768), ("phone", 390, 844)])
def test_a_commune_is_completed_on_a_laptop_and_a_phone_in_khmer(
    live_server, browser, focal_point, artifacts_dir, person, size, width, height
):
    """A DSO and a commune focal point complete a commune of seven villages: no horizontal scrolling, the village's
    name in view while typing, Enter moves down the column, the progress line counts the villages with every
    figure filled in, and every figure is saved."""
    context = browser.new_context(locale="km-KH", viewport={"width": width, "height": height})
    page = context.new_page()
    url = f"{live_server.url}/reports/0508/2019/q3/commune/050801/"
    log_in(page, url, person)
    expect(page.locator("#grid-filled")).to_have_text("0")
    # Measured once the page is laid out as people see it: style sheets, the grid's script and the Khmer font in.
    page.wait_for_load_state("load")
    page.wait_for_selector("#village-table.js-grid", state="attached")
    page.evaluate("document.fonts.ready.then(() => true)")

    def scrolls_sideways():
        return page.evaluate(
            "document.scrollingElement.scrollWidth > innerWidth"
            " || (getComputedStyle(document.getElementById('village-grid')).overflowX !== 'visible'"
            "     && document.getElementById('village-grid').scrollWidth > document.getElementById('village-grid').clientWidth)"
        )

    assert not scrolls_sideways()
    fill_village(page, 0, FIGURES["05080101"])
    expect(page.locator("#grid-filled")).to_have_text("1")

    # Enter goes to the same figure of the next village, as in a spreadsheet, and the page is not submitted.
    page.focus("[name=villages-1-households_total]")
    page.keyboard.type("80")
    page.keyboard.press("Enter")
    expect(page.locator("[name=villages-2-households_total]")).to_be_focused()
    expect(page).to_have_url(url)
    assert not VillageQuarter.objects.exists()

    # Typing in the last village: its name is on screen (the card's heading on a phone, the row's on a laptop)
    # and in the progress line.
    last = page.locator("[name=villages-6-hh_handwashing]")
    last.scroll_into_view_if_needed()
    last.focus()
    page.keyboard.type("12")
    expect(page.locator("#grid-current")).to_have_text("ត្រពាំងស្វាយព្រៃ")
    heading = page.locator("tbody[data-village='05080107'] .village-name")
    box, viewport = heading.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]
    assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]
    # ... and not hidden under the progress line
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('tbody')?.dataset.village",
        [box["x"] + 5, box["y"] + box["height"] / 2],
    )
    assert on_top == "05080107"
    assert not scrolls_sideways()
    page.screenshot(path=os.path.join(artifacts_dir, f"entry-grid-{size}-{person}-km.png"))

    # The rest of the commune, then Save: every village is in.
    for index in range(1, 7):
        fill_village(page, index, FIGURES["05080102"])
    expect(page.locator("#grid-filled")).to_have_text("7")
    page.click("#commune-form button[type=submit]")
    expect(page.locator(".alert-success")).to_have_count(1)
    assert VillageQuarter.objects.filter(report__district__code="0508").count() == 7
    assert not scrolls_sideways()
    context.close()


def test_an_edit_conflict_shows_the_other_persons_values_and_takes_them_figure_by_figure(
    live_server, browser, thpong, artifacts_dir
):
    other = UserFactory(username="dso_thpong_2", first_name="Sreymom", last_name="Keo")
    AssignmentFactory(user=other, role=Role.DSO, district=thpong.district)
    url = f"{live_server.url}/reports/0508/2019/q3/commune/050801/"
    pages = []
    for username in ("dso_thpong", "dso_thpong_2"):
        context = browser.new_context(locale="km-KH", viewport={"width": 1366, "height": 768})
        page = context.new_page()
        log_in(page, url, username)
        pages.append(page)
    mine, theirs = pages

    # Both opened the page; Sreymom saves first.
    for index, code in enumerate(VILLAGES):
        fill_village(theirs, index, FIGURES[code])
    theirs.click("#commune-form button[type=submit]")
    expect(theirs.locator(".alert-success")).to_have_count(1)

    # Sokha typed other figures for the first village: refused, with Sreymom's values beside Sokha's.
    fill_village(mine, 0, {**FIGURES["05080101"], "hh_handwashing": "90", "latrines_built": "6"})
    fill_village(mine, 1, FIGURES["05080102"])
    mine.click("#commune-form button[type=submit]")
    expect(mine.locator(".alert-danger")).to_contain_text("Sreymom Keo")
    first = mine.locator("tbody[data-village='05080101']")
    expect(first.locator(".grid-theirs")).to_have_count(2)
    expect(mine.locator("tbody[data-village='05080102'] .grid-theirs")).to_have_count(0)
    expect(mine.locator("[name=villages-0-hh_handwashing]")).to_have_value("90")  # nothing typed is lost
    mine.screenshot(path=os.path.join(artifacts_dir, "entry-conflict-km.png"))

    # Take theirs for the handwashing figure, keep mine for the latrines built, and save again.
    first.locator(".grid-cell", has=mine.locator("[name=villages-0-hh_handwashing]")).locator(".grid-take").click()
    expect(mine.locator("[name=villages-0-hh_handwashing]")).to_have_value("70")
    mine.click("#commune-form button[type=submit]")
    expect(mine.locator(".alert-success")).to_have_count(1)
    row = VillageQuarter.objects.get(village__code="05080101")
    assert (row.hh_handwashing, row.latrines_built) == (70, 6)
    for page in pages:
        page.context.close()


def test_nothing_typed_is_lost_offline_or_on_a_reload(live_server, browser, thpong, artifacts_dir):
    """Typed values are kept in the browser: a reload offers them back; a save pressed offline is held and sent
    when the connection returns, once."""
    context = browser.new_context(locale="km-KH", viewport={"width": 390, "height": 844})
    page = context.new_page()
    url = f"{live_server.url}/reports/0508/2019/q3/commune/050801/"
    log_in(page, url, "dso_thpong")

    # Typed, then the tab reloads (a crash, a power cut): the figures are offered back, named.
    fill_village(page, 0, FIGURES["05080101"])
    page.reload()
    expect(page.locator("[name=villages-0-households_total]")).to_have_value("")
    notice = page.locator(".keep-typed-notice")
    expect(notice).to_contain_text("(10 ")
    expect(notice).to_contain_text("ត្រពាំងជោ")  # the village, in the figures' names
    page.screenshot(path=os.path.join(artifacts_dir, "entry-restore-km.png"))
    page.click("#keep-typed-restore")
    expect(page.locator("[name=villages-0-households_total]")).to_have_value("120")
    expect(page.locator("[name=villages-0-odf_status]")).to_have_value("triggered")

    # The connection drops; Save is pressed: nothing is sent, the person is told, the values stay.
    fill_village(page, 1, FIGURES["05080102"])
    context.set_offline(True)
    page.click("#commune-form button[type=submit]")
    expect(page.locator(".keep-typed-notice.alert-danger")).to_be_visible()
    expect(page).to_have_url(url)
    assert not VillageQuarter.objects.exists()
    page.screenshot(path=os.path.join(artifacts_dir, "entry-offline-km.png"))

    # It returns: the page is saved, once, and nothing is offered back any more.
    context.set_offline(False)
    expect(page.locator(".alert-success")).to_have_count(1)
    assert VillageQuarter.objects.count() == 2
    assert CommuneQuarter.objects.get(commune=thpong).version == 1
    page.reload()
    expect(page.locator(".keep-typed-notice")).to_have_count(0)
    context.close()


def test_training_rows_are_added_without_saving(live_server, khmer_page, thpong):
    page = khmer_page
    url = f"{live_server.url}/reports/0508/2019/q3/district/"
    log_in(page, url, "dso_thpong")
    expect(page.locator("#training-table tbody tr")).to_have_count(1)

    page.click("#add-training")
    page.click("#add-training")
    expect(page.locator("#training-table tbody tr")).to_have_count(3)
    for index, topic in enumerate(["clts", "clts", "clts"]):
        page.select_option(f"[name=trainings-{index}-topic]", topic)
        page.fill(f"[name=trainings-{index}-participants_village]", str(10 + index))  # the other counts left blank
    page.click("#district-form button[type=submit]")

    expect(page.locator(".alert-success")).to_have_count(1)
    saved = sorted(Training.objects.values_list("participants_village", "women", "participants_district"))
    assert saved == [(10, 0, 0), (11, 0, 0), (12, 0, 0)]


def test_logging_out_asks_about_unsaved_figures_and_leaves_nothing_in_the_browser(live_server, khmer_page, thpong):
    """On a shared computer the next person finds none of a DSO's figures kept by the keep-typed safety net."""
    page = khmer_page
    url = f"{live_server.url}/reports/0508/2019/q3/commune/050801/"
    log_in(page, url, "dso_thpong")
    fill_village(page, 0, FIGURES["05080101"])
    kept = "() => Object.keys(localStorage).filter(k => k.startsWith('drssd-typed:')).length"
    assert page.evaluate(kept) == 1

    # Figures typed and not saved: logging out asks first; "Cancel" keeps the person on the page, figures kept.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(".navbar .dropdown-toggle:has-text('Sokha')")
    page.click("#logout-form button")
    expect(page).to_have_url(url)
    assert page.evaluate(kept) == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".navbar .dropdown-toggle:has-text('Sokha')")
    page.click("#logout-form button")
    page.wait_for_load_state()
    assert "/reports/" not in page.url or "login" in page.url
    assert page.evaluate(kept) == 0


def test_a_dso_completes_a_quarter_from_home_in_one_page_load_per_commune(live_server, world, q2, q3, dso_a):
    """count_quarter_steps walks the quarter as a DSO: home, the report, each commune with "Save and go to ...",
    the district section with "Save and go back to the report", Submit. It prints the clicks and page loads."""
    from django.core.management import call_command
    from django.db import connections

    # Last quarter approved for every village of the district: this quarter is pre-filled.
    villages = {v.code: {"total": 80, "own": 40, "shared": 0, "unimproved": 20, "idpoor_households": 10,
                         "idpoor_improved": 5, "latrines_built": 2, "hh_handwashing": 40}
                for v in Village.objects.filter(commune__district=world.district_a)}  # fmt: skip
    DistrictReportFactory(district=world.district_a, period=q2, approved=True, villages=villages)
    # In a thread of its own: Playwright's sync API refuses to run where pytest-playwright's event loop runs.
    printed = io.StringIO()

    def walk_quarter():
        try:
            call_command(
                "count_quarter_steps", url=live_server.url, username="dso_a", password=PASSWORD, stdout=printed
            )
        finally:
            connections.close_all()  # the thread's own connection, or the test database cannot be dropped

    walk = threading.Thread(target=walk_quarter)
    walk.start()
    walk.join(timeout=300)
    out = printed.getvalue()
    communes = world.district_a.communes.count()
    # Home, the report, each commune, the report, the district section, the report, the report after Submit.
    assert f"page loads: {communes + 6} " in out and f"clicks: {communes + 5}" in out, out
    assert "report status at the end: submitted" in out


def test_a_dso_downloads_the_spreadsheet_fills_it_and_uploads_it_in_khmer(live_server, browser, thpong, artifacts_dir):
    """On a phone: the report page's Spreadsheet (XLSX) link, the file filled in a spreadsheet program (openpyxl
    here), uploaded on the same page; a mistake is listed by sheet, row and village and nothing is saved; the
    corrected file is imported and the page lists what changed."""
    import openpyxl

    context = browser.new_context(locale="km-KH", viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    url = f"{live_server.url}/reports/0508/2019/q3/"
    log_in(page, url, "dso_thpong")
    with page.expect_download() as download:
        page.click("#spreadsheet-download")
    path = os.path.join(artifacts_dir, "thpong-2019Q3.xlsx")
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheet = next(s for s in book.worksheets if s.title.startswith("050801"))
    names = [cell.value for cell in sheet[3]]
    for row, code in ((4, "05080101"), (5, "05080102")):
        for field, value in {**FIGURES[code], "odf_status": "triggered"}.items():
            sheet.cell(row=row, column=names.index(field) + 1).value = int(value) if value.isdigit() else value
    sheet.cell(row=5, column=names.index("hh_unimproved") + 1).value = int(TYPO["hh_unimproved"])
    book.save(path)

    page.set_input_files("#spreadsheet-file", path)
    page.click("#spreadsheet-upload button[type=submit]")
    expect(page.locator("#import-refused")).to_contain_text("មិនបាននាំចូលអ្វីទាំងអស់")
    expect(page.locator("#import-errors li")).to_have_count(1)
    expect(page.locator("#import-errors li")).to_contain_text("(ភូមិ 05080102)")
    page.screenshot(path=os.path.join(artifacts_dir, "spreadsheet-refused-km-phone.png"), full_page=True)
    assert not VillageQuarter.objects.exists()

    sheet.cell(row=5, column=names.index("hh_unimproved") + 1).value = int(FIGURES["05080102"]["hh_unimproved"])
    book.save(path)
    page.set_input_files("#id_file", path)
    page.click("main form button[type=submit]")
    expect(page.locator("#import-done")).to_be_visible()
    expect(page.locator("#import-changes tbody tr")).to_have_count(20)  # 2 villages x 10 figures
    page.screenshot(path=os.path.join(artifacts_dir, "spreadsheet-imported-km-phone.png"), full_page=True)
    assert VillageQuarter.objects.get(village__code="05080102").hh_unimproved == 25
    context.close()
