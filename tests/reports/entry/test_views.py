"""Data-entry pages through the test client: the report page, commune pages, the district section,
plan targets and reporting periods. Who may read and write them, what a save keeps, and what a
refused save gives back (every typed value, the error next to its field, in the user's language).
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from reports.entry import validation
from reports.models import (
    CommuneQuarter,
    DistrictPlanTarget,
    DistrictReport,
    NationalSettings,
    ReportingPeriod,
    ReportStatus,
    Training,
    VillageQuarter,
)
from tests.reports.conftest import Q2_HOUSEHOLDS
from tests.reports.pages import (
    ACTIVITIES,
    TRAINING,
    commune_post,
    district_post,
    form_fields,
    good_village,
    html,
    saved_activities,
    saved_figures,
    values,
)

A1_VILLAGES = ["05080101", "05080102"]


def report_url(district="0508", year=2019, quarter=3):
    return reverse("reports:report", args=[district, year, quarter])


def commune_url(commune="050801", district="0508", year=2019, quarter=3):
    return reverse("reports:commune", args=[district, year, quarter, commune])


def section_url(district="0508", year=2019, quarter=3):
    return reverse("reports:district_section", args=[district, year, quarter])


def targets_url(district="0508", year=2019):
    return reverse("reports:plan_targets", args=[district, year])


def login_redirect(url):
    return f"{resolve_url('login')}?next={url}"


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def error_next_to(page, name, message):
    """The error message is rendered right after the input it belongs to."""
    pattern = (
        rf'<input[^>]*name="{re.escape(name)}"[^>]*>\s*<div class="invalid-feedback d-block small">'
        rf"{re.escape(escape(message))}</div>"
    )
    return re.search(pattern, page) is not None


def village_values(row):
    """The figures of a village row as VillageQuarter fields (what village_errors sees)."""
    return {f: int(row[f]) for f in VillageQuarter.COUNT_FIELDS}


def a1_report(world, q3):
    return DistrictReport.objects.get(district=world.district_a, period=q3)


@pytest.fixture
def a1_saved(client_for, dso_a, world, q3):
    """Commune A1's page saved once by dso_a: two villages (100 and 60 households) and its activities."""
    client = client_for(dso_a)
    response = client.post(commune_url(), commune_post([good_village(100), good_village(60)]))
    assert response.status_code == 302
    client.logout()
    return a1_report(world, q3)


@pytest.fixture
def section_saved(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    response = client.post(section_url(), district_post(trainings=[TRAINING]))
    assert response.status_code == 302
    client.logout()
    return DistrictReport.objects.get(district=world.district_a, period=q3)


# --- Report page --------------------------------------------------------------------------------------


def test_report_page_creates_a_draft_and_lists_communes_and_what_is_missing(client_for, dso_a, world, q3):
    response = client_for(dso_a).get(report_url())

    assert response.status_code == 200
    report = a1_report(world, q3)
    assert report.status == ReportStatus.DRAFT
    page = html(response)
    assert "What is still missing" in page
    missing = re.search(r'<ul class="mb-0" id="missing-list">(.*?)</ul>', page, re.S).group(1)
    for label in validation.MISSING_DISTRICT_SECTIONS.values():
        assert f"District section: {label}" in missing
    assert "0 of 2 villages complete" in missing
    assert "commune activities not entered" in missing
    table = re.search(r'<table[^>]*id="commune-table">(.*?)</table>', page, re.S).group(1)
    for commune in (world.commune_a1, world.commune_a2):
        assert commune.name_latin in table
        assert commune_url(commune.code) in table
    assert world.commune_b1.name_latin not in table


def test_report_page_opened_twice_keeps_one_report(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    client.get(report_url())
    client.get(report_url())
    assert DistrictReport.objects.filter(district=world.district_a, period=q3).count() == 1


def test_report_page_shows_commune_complete_once_its_page_is_filled(client_for, dso_a, world, q3, a1_saved):
    page = html(client_for(dso_a).get(report_url()))
    missing = re.search(r'id="missing-list">(.*?)</ul>', page, re.S).group(1)
    assert world.commune_a1.name_latin not in missing
    assert world.commune_a2.name_latin in missing
    # Coverage over the commune is the ratio of the summed households: (40+10 + 24+6) / (100+60).
    assert re.search(r'id="coverage-now">50.0%<', page)


@pytest.mark.parametrize(
    "url",
    [
        report_url(),
        commune_url(),
        section_url(),
        targets_url(),
        reverse("reports:periods"),
        reverse("reports:district_reports", args=["0508"]),
    ],
)
def test_anonymous_visitor_is_sent_to_login(client_for, world, q3, url):
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response.url == login_redirect(url)


@pytest.mark.parametrize(
    "url",
    [
        report_url(),
        commune_url(),
        commune_url("050802"),
        section_url(),
        targets_url(),
        reverse("reports:district_reports", args=["0508"]),
    ],
)
def test_dso_of_another_district_gets_404_for_district_a(client_for, dso_b, q3, url):
    client = client_for(dso_b)
    assert client.get(url).status_code == 404
    assert client.post(url, commune_post([good_village(), good_village()])).status_code == 404
    assert not VillageQuarter.objects.exists()
    assert not DistrictReport.objects.exists()


def test_dso_cannot_reach_a_commune_of_another_district_through_own_district_url(client_for, dso_b, world, q3):
    # District B's code with district A's commune: the commune must belong to the district in the URL.
    assert client_for(dso_b).get(commune_url("050801", district="0501")).status_code == 404


def test_focal_point_fills_own_commune(client_for, focal_a1, world, q3):
    client = client_for(focal_a1)
    assert client.get(commune_url()).status_code == 200

    response = client.post(commune_url(), commune_post([good_village(100), good_village(60)]))

    assert response.status_code == 302
    assert set(saved_figures(a1_report(world, q3), world.commune_a1)) == set(A1_VILLAGES)


@pytest.mark.parametrize("url", [commune_url("050802"), report_url(), section_url()])
def test_focal_point_gets_404_outside_own_commune(client_for, focal_a1, q3, url):
    client = client_for(focal_a1)
    assert client.get(url).status_code == 404
    assert client.post(url, commune_post([good_village(), good_village()])).status_code == 404
    assert not VillageQuarter.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_read_only_roles_see_commune_page_with_disabled_inputs(persona, request, client_for, a1_saved):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(commune_url())

    assert response.status_code == 200
    fields = {
        name: f
        for name, f in form_fields(response).items()
        if name.startswith(("villages-", "activities-")) and not name.endswith("_FORMS")
    }
    assert fields and all(f["disabled"] for f in fields.values())
    assert fields["villages-0-households_total"]["value"] == "100"
    assert "Read only" in html(response)
    assert "Save draft" not in html(response)


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_read_only_roles_cannot_save_commune_page(persona, request, client_for, world, q3, a1_saved):
    user = request.getfixturevalue(persona)
    before = saved_figures(a1_saved, world.commune_a1), saved_activities(a1_saved, world.commune_a1)

    response = client_for(user).post(commune_url(), commune_post([good_village(300), good_village(200)], version=1))

    assert response.status_code == 403
    assert (saved_figures(a1_saved, world.commune_a1), saved_activities(a1_saved, world.commune_a1)) == before
    assert CommuneQuarter.objects.get(report=a1_saved, commune=world.commune_a1).version == 1


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_read_only_roles_see_district_section_disabled_and_cannot_save_it(persona, request, client_for, section_saved):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    response = client.get(section_url())
    assert response.status_code == 200
    fields = {name: f for name, f in form_fields(response).items() if name.startswith("district-")}
    assert fields and all(f["disabled"] for f in fields.values())

    response = client.post(section_url(), district_post(version=1, ft_received="99999.00", achievements="Changed"))
    assert response.status_code == 403
    section_saved.refresh_from_db()
    assert section_saved.ft_received == Decimal("1000.00")
    assert section_saved.achievements == "Three villages triggered."
    assert section_saved.version == 1


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_read_only_roles_open_report_page_without_creating_a_report(persona, request, client_for, world, q3):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(report_url())
    assert response.status_code == 200
    assert "The district has not started this report yet." in html(response)
    assert not DistrictReport.objects.exists()


def test_read_only_role_gets_404_for_commune_page_of_a_report_not_started(client_for, reviewer_p, q3):
    assert client_for(reviewer_p).get(commune_url()).status_code == 404
    assert not DistrictReport.objects.exists()


# --- Commune page: saving -------------------------------------------------------------------------


def test_valid_commune_page_saves_every_village_and_the_activities(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    rows = [
        good_village(100, odf_status="declared", hh_open_defecation=0, hh_unimproved=50),
        good_village(60, explanation="New houses built after the flood."),
    ]

    response = client.post(commune_url(), commune_post(rows))

    assert response.status_code == 302
    assert response.url == commune_url()
    report = a1_report(world, q3)
    saved = saved_figures(report, world.commune_a1)
    assert saved["05080101"] == {**village_values(rows[0]), "odf_status": "declared"}
    assert saved["05080102"] == {**village_values(rows[1]), "odf_status": "triggered"}
    assert VillageQuarter.objects.get(village__code="05080102").explanation == "New houses built after the flood."
    record = CommuneQuarter.objects.get(report=report, commune=world.commune_a1)
    assert saved_activities(report, world.commune_a1) == {
        **{f: v for f, v in ACTIVITIES.items() if f != "commune_budget"},
        "commune_budget": Decimal("150.00"),
    }
    assert (record.version, record.updated_by) == (1, dso_a)
    assert "Saved. You can continue later: the draft is kept." in messages_of(client.get(response.url))


def test_saved_commune_page_shows_saved_values_and_who_saved(client_for, dso_a, world, q3, a1_saved):
    response = client_for(dso_a).get(commune_url())
    shown = values(response)
    assert shown["villages-0-households_total"] == "100"
    assert shown["villages-1-households_total"] == "60"
    assert shown["activities-triggering_events"] == "2"
    assert shown["version"] == "1"
    assert "Last saved by dso_a" in html(response)


def test_saving_a_commune_page_again_updates_only_its_rows(client_for, dso_a, world, q3, a1_saved):
    client = client_for(dso_a)
    response = client.post(commune_url(), commune_post([good_village(100), good_village(70)], version=1))
    assert response.status_code == 302
    saved = saved_figures(a1_saved, world.commune_a1)
    assert saved["05080101"]["households_total"] == 100
    assert saved["05080102"]["households_total"] == 70
    assert VillageQuarter.objects.count() == 2
    assert VillageQuarter.history.filter(village__code="05080102").count() == 2  # created, then changed
    assert VillageQuarter.history.filter(village__code="05080101").count() == 1  # unchanged: not saved again


BAD_ROW = good_village(60, hh_unimproved=25)  # categories add up to 67, not 60


def test_one_bad_village_saves_nothing_and_keeps_every_typed_value(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    rows = [good_village(100, explanation="Typed, not saved"), BAD_ROW]
    posted = commune_post(rows)

    response = client.post(commune_url(), posted)

    assert response.status_code == 200
    report = a1_report(world, q3)
    assert not VillageQuarter.objects.exists()
    assert saved_activities(report, world.commune_a1) == {f: None for f in CommuneQuarter.ACTIVITY_FIELDS}
    assert CommuneQuarter.objects.get(report=report, commune=world.commune_a1).version == 0
    shown = values(response)
    for name, value in posted.items():
        if name.startswith(("villages-", "activities-")) and not name.endswith("_FORMS"):
            assert shown[name] == value, name
    with translation.override("en"):
        message = validation.village_errors(village_values(BAD_ROW))["households_total"][0]
    page = html(response)
    assert error_next_to(page, "villages-1-households_total", message)
    assert "is-invalid" in form_fields(response)["villages-1-households_total"]["class"]
    assert "is-invalid" not in form_fields(response)["villages-0-households_total"]["class"]
    assert re.search(r'<tr id="village-05080102" class="table-danger">', page)
    assert re.search(r'<tr id="village-05080101" class="">', page)
    assert (
        "Nothing was saved: please correct the figures marked in red. Everything you typed is still here."
        in messages_of(response)
    )


def test_bad_village_error_is_shown_in_khmer_when_the_user_reads_khmer(client_for, dso_a, world, q3):
    response = client_for(dso_a, "km").post(commune_url(), commune_post([good_village(100), BAD_ROW]))

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="km">' in page
    with translation.override("km"):
        message = validation.village_errors(village_values(BAD_ROW))["households_total"][0]
    assert error_next_to(page, "villages-1-households_total", message)
    assert values(response)["villages-1-hh_unimproved"] == "25"


def test_bad_village_error_in_khmer_is_not_the_english_message(client_for, dso_a, world, q3):
    # Fails until the Khmer catalogue has this message (and is compiled): then the page is really in Khmer.
    response = client_for(dso_a, "km").post(commune_url(), commune_post([good_village(100), BAD_ROW]))
    with translation.override("en"):
        english = validation.village_errors(village_values(BAD_ROW))["households_total"][0]
    assert not error_next_to(html(response), "villages-1-households_total", english)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.5", "Enter a whole number: 1.5 is not one."),
        ("-3", "A count cannot be negative."),
        ("abc", "Enter a whole number, such as 12."),
    ],
)
def test_a_count_that_is_not_a_whole_number_is_refused_next_to_its_field(client_for, dso_a, world, q3, typed, expected):
    response = client_for(dso_a).post(
        commune_url(), commune_post([good_village(100, latrines_built=typed), good_village(60)])
    )
    assert response.status_code == 200
    assert error_next_to(html(response), "villages-0-latrines_built", expected)
    assert values(response)["villages-0-latrines_built"] == typed
    assert not VillageQuarter.objects.exists()


@pytest.mark.parametrize("typed", ["Infinity", "NaN"])
def test_infinity_typed_as_a_count_is_refused_not_a_server_error(client_for, dso_a, world, q3, typed):
    # Fails until parse_count refuses non-finite numbers (int(Decimal("Infinity")) raises OverflowError).
    response = client_for(dso_a).post(
        commune_url(), commune_post([good_village(100, latrines_built=typed), good_village(60)])
    )
    assert response.status_code == 200
    assert error_next_to(html(response), "villages-0-latrines_built", "Enter a whole number, such as 12.")
    assert not VillageQuarter.objects.exists()


def test_empty_figures_are_saved_as_not_entered_yet(client_for, dso_a, world, q3):
    empty = {f: "" for f in good_village()}
    response = client_for(dso_a).post(
        commune_url(), commune_post([empty, good_village(60)], activities={"triggering_events": ""})
    )
    assert response.status_code == 302
    saved = saved_figures(a1_report(world, q3), world.commune_a1)
    assert saved["05080101"] == {**{f: None for f in VillageQuarter.COUNT_FIELDS}, "odf_status": ""}
    assert saved["05080102"]["households_total"] == 60


# --- Commune page: pre-fill from last quarter ----------------------------------------------------------


def test_new_quarter_is_prefilled_with_last_quarters_stock_figures(client_for, dso_a, world, q3, q2_report):
    response = client_for(dso_a).get(commune_url())

    assert response.status_code == 200
    shown = values(response)
    assert shown["villages-0-households_total"] == str(Q2_HOUSEHOLDS["05080101"])
    assert shown["villages-1-households_total"] == str(Q2_HOUSEHOLDS["05080102"])
    assert shown["villages-0-hh_improved_own"] == str(Q2_HOUSEHOLDS["05080101"] // 2)
    assert shown["villages-0-odf_status"] == "triggered"
    # Flows start empty each quarter.
    assert shown["villages-0-latrines_built"] == ""
    assert html(response).count(">from last quarter</span>") == 2
    assert not VillageQuarter.objects.filter(report__period=q3).exists()  # shown, not saved yet


def test_prefilled_values_saved_unchanged_become_this_quarters_rows(client_for, dso_a, world, q3, q2_report):
    client = client_for(dso_a)
    posted = {
        name: value
        for name, value in values(client.get(commune_url())).items()
        if name.startswith(("villages-", "activities-", "version"))
    }
    posted.update({"villages-0-latrines_built": "0", "villages-1-latrines_built": "0"})

    response = client.post(commune_url(), posted)

    assert response.status_code == 302
    saved = saved_figures(a1_report(world, q3), world.commune_a1)
    assert {code: row["households_total"] for code, row in saved.items()} == Q2_HOUSEHOLDS
    assert ">from last quarter</span>" not in html(client.get(commune_url()))


def test_commune_page_without_last_quarter_marks_rows_not_saved_yet(client_for, dso_a, world, q3):
    response = client_for(dso_a).get(commune_url())
    assert values(response)["villages-0-households_total"] == ""
    assert html(response).count(">not saved yet</span>") == 2


# --- Commune page: tampering -----------------------------------------------------------------------


@pytest.mark.parametrize("total_forms", ["3", "50", "1", "0", "many"])
def test_posted_form_count_cannot_add_or_drop_villages(client_for, dso_a, world, q3, total_forms):
    posted = commune_post([good_village(100), good_village(60)])
    posted["villages-TOTAL_FORMS"] = total_forms
    for index in (2, 3, 99):
        posted.update({f"villages-{index}-{field}": str(value) for field, value in good_village(40).items()})
        posted[f"villages-{index}-village"] = str(world.commune_b1.villages.first().pk)
        posted[f"villages-{index}-report"] = "1"

    response = client_for(dso_a).post(commune_url(), posted)

    # The page's own villages are saved from their forms; a garbled count is refused as a whole.
    assert response.status_code == (200 if total_forms == "many" else 302)
    by_commune = {
        commune.code: VillageQuarter.objects.filter(village__commune=commune).count()
        for commune in (world.commune_a1, world.commune_a2, world.commune_b1, world.commune_c1)
    }
    assert by_commune["050802"] == by_commune["050101"] == by_commune["250101"] == 0
    assert by_commune["050801"] == (0 if total_forms == "many" else 2)
    assert VillageQuarter.objects.count() == by_commune["050801"]


def test_posted_village_or_report_ids_are_ignored(client_for, dso_a, world, q3):
    other_village = world.commune_b1.villages.first()
    posted = commune_post([good_village(100), good_village(60)])
    posted.update(
        {
            "villages-0-village": str(other_village.pk),
            "villages-0-id": "999",
            "villages-0-report": "999",
            "activities-commune": str(world.commune_b1.pk),
        }
    )

    assert client_for(dso_a).post(commune_url(), posted).status_code == 302

    assert sorted(VillageQuarter.objects.values_list("village__code", flat=True)) == A1_VILLAGES
    assert set(VillageQuarter.objects.values_list("report__district__code", flat=True)) == {"0508"}
    assert list(CommuneQuarter.objects.values_list("commune__code", flat=True)) == ["050801"]


# --- Edit conflicts ----------------------------------------------------------------------------------


def test_commune_save_from_an_out_of_date_page_is_refused_naming_who_saved_first(
    client_for, client, dso_a, dso_a2, world, q3
):
    client_for(dso_a2).post(commune_url(), commune_post([good_village(100), good_village(60)], version=0))
    first = CommuneQuarter.objects.get(commune=world.commune_a1)
    client.logout()
    mine = commune_post([good_village(200), good_village(80)], version=0)  # loaded before dso_a2 saved

    response = client_for(dso_a).post(commune_url(), mine)

    assert response.status_code == 200
    conflict = [m for m in messages_of(response) if "after you opened it" in m]
    assert len(conflict) == 1
    assert conflict[0].startswith("Sreymom Keo saved this page at ")
    assert (
        first.updated_at.astimezone(datetime.timezone(datetime.timedelta(hours=7))).strftime("%Y-%m-%d %H:%M")
        in conflict[0]
    )
    assert "Your values below were NOT saved." in conflict[0]
    shown = values(response)
    assert shown["villages-0-households_total"] == "200"
    assert shown["villages-1-households_total"] == "80"
    assert shown["version"] == "1"  # Save again keeps these values, knowingly
    saved = saved_figures(a1_report(world, q3), world.commune_a1)
    assert [saved[code]["households_total"] for code in A1_VILLAGES] == [100, 60]
    record = CommuneQuarter.objects.get(commune=world.commune_a1)
    assert (record.version, record.updated_by) == (1, dso_a2)

    again = client.post(commune_url(), {**mine, "version": shown["version"]})
    assert again.status_code == 302
    saved = saved_figures(a1_report(world, q3), world.commune_a1)
    assert [saved[code]["households_total"] for code in A1_VILLAGES] == [200, 80]


@pytest.mark.parametrize("version", ["", "abc", "7"])
def test_commune_save_with_a_missing_or_unknown_version_is_refused(client_for, dso_a, world, q3, version):
    response = client_for(dso_a).post(
        commune_url(), commune_post([good_village(100), good_village(60)], version=version)
    )
    assert response.status_code == 200
    assert any("after you opened it" in m for m in messages_of(response))
    assert not VillageQuarter.objects.exists()


def test_district_section_save_from_an_out_of_date_page_is_refused(client_for, client, dso_a, dso_a2, world, q3):
    client_for(dso_a2).post(section_url(), district_post(version=0))
    client.logout()

    response = client_for(dso_a).post(
        section_url(), district_post(version=0, ft_received="1200.00", achievements="Mine", trainings=[TRAINING])
    )

    assert response.status_code == 200
    assert any(m.startswith("Sreymom Keo saved this page at ") for m in messages_of(response))
    shown = values(response)
    assert shown["district-ft_received"] == "1200.00"
    assert shown["district-achievements"] == "Mine"
    assert shown["trainings-0-participants_village"] == "20"
    assert shown["version"] == "1"
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    assert (report.ft_received, report.achievements, report.version) == (
        Decimal("1000.00"),
        "Three villages triggered.",
        1,
    )
    assert report.updated_by == dso_a2
    assert not Training.objects.exists()


# --- Session timeout: nothing typed is lost -------------------------------------------------------------


def test_commune_post_after_session_ended_is_shown_again_after_login(client_for, dso_a, world, q3):
    client = client_for(None)
    typed = commune_post([good_village(100), BAD_ROW], version=0)

    response = client.post(commune_url(), typed)

    assert response.status_code == 302
    assert response.url == login_redirect(commune_url())
    assert not DistrictReport.objects.exists()

    client.force_login(dso_a)
    response = client.get(commune_url())

    assert response.status_code == 200
    shown = values(response)
    for name, value in typed.items():
        if name.startswith(("villages-", "activities-")) and not name.endswith("_FORMS"):
            assert shown[name] == value, name
    assert shown["version"] == "0"
    assert any(
        m.startswith("Your session had ended, so your last changes were not saved.") for m in messages_of(response)
    )
    assert not VillageQuarter.objects.exists()
    # The stash is used once: the next visit shows the saved (empty) figures.
    assert values(client.get(commune_url()))["villages-0-households_total"] == ""


def test_district_section_post_after_session_ended_is_shown_again_after_login(client_for, dso_a, q3):
    client = client_for(None)
    client.post(section_url(), district_post(achievements="Typed while logged out"))
    client.force_login(dso_a)

    response = client.get(section_url())

    assert values(response)["district-achievements"] == "Typed while logged out"
    assert any(m.startswith("Your session had ended") for m in messages_of(response))


def test_stashed_post_with_a_garbled_version_still_shows_the_page(client_for, dso_a, q3):
    # Fails until the restore path parses the stashed version like a posted one (int("x") raises ValueError).
    client = client_for(None)
    client.post(commune_url(), commune_post([good_village(100), good_village(60)], version="x"))
    client.force_login(dso_a)

    response = client.get(commune_url())

    assert response.status_code == 200
    assert values(response)["villages-0-households_total"] == "100"


# --- District section --------------------------------------------------------------------------------


def test_valid_district_section_saves_budget_narrative_and_training(client_for, dso_a, world, q3):
    client = client_for(dso_a)

    response = client.post(section_url(), district_post(trainings=[TRAINING]))

    assert response.status_code == 302
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    assert report.wg_meeting_held is True
    assert report.wg_meeting_date == datetime.date(2019, 8, 14)
    assert (report.ft_annual_allocation, report.ft_carried_over, report.ft_received) == (
        Decimal("4000.00"),
        Decimal("250.00"),
        Decimal("1000.00"),
    )
    assert report.spent_total == Decimal("650.00")
    assert (report.achievements, report.challenges, report.next_quarter_plan) == (
        "Three villages triggered.",
        "Flooding in September.",
        "Verify ODF in Trapeang.",
    )
    assert (report.version, report.updated_by) == (1, dso_a)
    training = Training.objects.get(report=report)
    assert (training.topic, training.participants, training.women) == ("clts", 35, 12)
    assert validation.district_section_missing(report) == []
    page = html(client.get(report_url()))
    assert "District section:" not in page
    assert "$1,000.00" in page and "$650.00" in page


def test_district_section_deletes_a_training(client_for, dso_a, world, q3, section_saved):
    training = Training.objects.get()
    posted = district_post(
        version=1,
        existing=1,
        trainings=[{**TRAINING, "id": str(training.pk), "report": str(section_saved.pk), "DELETE": "on"}],
    )
    response = client_for(dso_a).post(section_url(), posted)
    assert response.status_code == 302
    assert not Training.objects.exists()


def test_spending_more_than_available_shows_the_budget_error(client_for, dso_a, world, q3):
    response = client_for(dso_a).post(
        section_url(), district_post(ft_received="500.00", ft_carried_over="100.00", spent_training="1000.00")
    )

    assert response.status_code == 200
    with translation.override("en"):
        message = validation.budget_error(
            spent=Decimal("1550.00"), received=Decimal("500.00"), carried_over=Decimal("100.00")
        )
    page = html(response)
    assert escape(message) in page
    assert "is-invalid" in form_fields(response)["district-ft_received"]["class"]
    assert values(response)["district-spent_training"] == "1000.00"
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    assert (report.ft_received, report.version) == (None, 0)


def test_women_outnumbering_training_participants_shows_the_error(client_for, dso_a, world, q3):
    too_many = {**TRAINING, "women": "36"}  # 35 participants

    response = client_for(dso_a).post(section_url(), district_post(trainings=[too_many]))

    assert response.status_code == 200
    with translation.override("en"):
        message = validation.participants_error(women=36, participants=35)
    assert error_next_to(html(response), "trainings-0-women", message)
    assert values(response)["trainings-0-women"] == "36"
    assert not Training.objects.exists()
    assert DistrictReport.objects.get(district=world.district_a, period=q3).version == 0


def test_women_outnumbering_meeting_attendance_shows_the_error(client_for, dso_a, q3):
    response = client_for(dso_a).post(
        section_url(), district_post(wg_meeting_attendance="5", wg_meeting_attendance_women="6")
    )
    assert response.status_code == 200
    with translation.override("en"):
        assert escape(validation.participants_error(women=6, participants=5)) in html(response)


def test_meeting_not_held_cannot_have_a_date(client_for, dso_a, q3):
    response = client_for(dso_a).post(section_url(), district_post(wg_meeting_held="false"))
    assert response.status_code == 200
    assert "The meeting is marked as not held; leave the date empty." in html(response)


# --- Plan targets ------------------------------------------------------------------------------------

TARGETS = {"coverage_pct": "80.00", "odf_villages": "12", "triggering_events": "30", "budget": "5000.00"}


def test_dso_saves_plan_targets_and_report_page_shows_them(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    assert client.get(targets_url()).status_code == 200

    response = client.post(f"{targets_url()}?next={report_url()}", TARGETS)

    assert response.status_code == 302
    assert response.url == report_url()
    target = DistrictPlanTarget.objects.get(district=world.district_a, year=2019)
    assert (target.coverage_pct, target.odf_villages, target.triggering_events, target.budget, target.updated_by) == (
        Decimal("80.00"),
        12,
        30,
        Decimal("5000.00"),
        dso_a,
    )
    progress = re.search(r'id="progress">(.*?)</table>', html(client.get(report_url())), re.S).group(1)
    assert "80.0%" in progress and "$5,000.00" in progress and ">12<" in progress


def test_plan_targets_saved_again_update_the_same_row(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    client.post(targets_url(), TARGETS)
    version = client.get(targets_url()).context["form"]["version"].value()  # as the page posts it back
    client.post(targets_url(), {**TARGETS, "odf_villages": "15", "version": version})
    assert DistrictPlanTarget.objects.get(district=world.district_a, year=2019).odf_villages == 15


def test_coverage_target_over_100_percent_is_refused(client_for, dso_a, q3):
    response = client_for(dso_a).post(targets_url(), {**TARGETS, "coverage_pct": "120"})
    assert response.status_code == 200
    assert not DistrictPlanTarget.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_read_only_roles_cannot_set_plan_targets(persona, request, client_for, world, q3):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(targets_url())
    assert response.status_code == 200
    fields = form_fields(response)
    assert all(fields[name]["disabled"] for name in TARGETS)
    assert "Save targets" not in html(response)
    assert client.post(targets_url(), TARGETS).status_code == 403
    assert not DistrictPlanTarget.objects.exists()


# --- Reporting periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mrd", "administrator"])
def test_ministry_adds_a_quarter_and_edits_its_deadline(persona, request, client_for, q3):
    client = client_for(request.getfixturevalue(persona))
    listing = client.get(reverse("reports:periods"))
    assert listing.status_code == 200
    # The form offers the quarter after the latest one, due 15 days after it ends.
    offered = values(listing)
    assert (offered["period-year"], offered["period-quarter"], offered["period-deadline"]) == (
        "2019",
        "4",
        "2020-01-15",
    )

    response = client.post(
        reverse("reports:periods"),
        {"period-year": "2019", "period-quarter": "4", "period-deadline": "2020-01-20", "period-is_open": "on"},
    )
    assert response.status_code == 302
    q4 = ReportingPeriod.objects.get(year=2019, quarter=4)
    assert (q4.deadline, q4.is_open) == (datetime.date(2020, 1, 20), True)

    edit_url = reverse("reports:period_edit", args=[q4.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, {"year": "2019", "quarter": "4", "deadline": "2020-01-31"})  # unchecked: closed
    assert response.status_code == 302
    q4.refresh_from_db()
    assert (q4.deadline, q4.is_open) == (datetime.date(2020, 1, 31), False)


def test_adding_an_existing_quarter_is_refused(client_for, mrd, q3):
    response = client_for(mrd).post(
        reverse("reports:periods"),
        {"period-year": "2019", "period-quarter": "3", "period-deadline": "2019-10-30", "period-is_open": "on"},
    )
    assert response.status_code == 200
    assert "This quarter already exists." in html(response)
    assert ReportingPeriod.objects.get().deadline == datetime.date(2019, 10, 15)


def test_editing_a_quarter_into_another_existing_one_is_refused(client_for, mrd, q2, q3):
    response = client_for(mrd).post(
        reverse("reports:period_edit", args=[q2.pk]), {"year": "2019", "quarter": "3", "deadline": "2019-07-15"}
    )
    assert response.status_code == 200
    assert "This quarter already exists." in html(response)
    q2.refresh_from_db()
    assert q2.quarter == 2


def test_ministry_saves_the_national_target_year(client_for, mrd, q3):
    client = client_for(mrd)
    response = client.post(reverse("reports:periods"), {"save_settings": "Save", "settings-target_year": "2030"})
    assert response.status_code == 302
    assert NationalSettings.current().target_year == 2030
    assert values(client.get(reverse("reports:periods")))["settings-target_year"] == "2030"


def test_national_target_year_out_of_range_is_refused(client_for, mrd, q3):
    response = client_for(mrd).post(
        reverse("reports:periods"), {"save_settings": "Save", "settings-target_year": "1999"}
    )
    assert response.status_code == 200
    assert NationalSettings.current().target_year != 1999


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "pa_p", "focal_a1"])
def test_only_the_ministry_manages_reporting_periods(persona, request, client_for, q3):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("reports:periods")).status_code == 403
    assert client.get(reverse("reports:period_edit", args=[q3.pk])).status_code == 403
    assert (
        client.post(
            reverse("reports:periods"), {"period-year": "2019", "period-quarter": "4", "period-deadline": "2020-01-15"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("reports:period_edit", args=[q3.pk]), {"year": "2019", "quarter": "3", "deadline": "2019-12-31"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("reports:periods"), {"save_settings": "Save", "settings-target_year": "2030"}).status_code
        == 403
    )
    assert list(ReportingPeriod.objects.values_list("quarter", "deadline", "is_open")) == [
        (3, datetime.date(2019, 10, 15), True)
    ]
    assert NationalSettings.current().target_year != 2030


# --- Locking: a report out of the district's hands, or a closed quarter ----------------------------------


@pytest.mark.parametrize("status", [ReportStatus.SUBMITTED, ReportStatus.APPROVED])
def test_report_not_with_the_district_cannot_be_changed(client_for, dso_a, world, q3, a1_saved, section_saved, status):
    DistrictReport.objects.filter(pk=a1_saved.pk).update(status=status)
    before = saved_figures(a1_saved, world.commune_a1), saved_activities(a1_saved, world.commune_a1)
    client = client_for(dso_a)

    page = client.get(commune_url())
    assert page.status_code == 200
    assert all(f["disabled"] for name, f in form_fields(page).items() if name.startswith("villages-0-"))
    response = client.post(commune_url(), commune_post([good_village(300), good_village(200)], version=1))
    assert response.status_code == 403
    response = client.post(section_url(), district_post(version=1, ft_received="9.00"))
    assert response.status_code == 403

    assert (saved_figures(a1_saved, world.commune_a1), saved_activities(a1_saved, world.commune_a1)) == before
    report = DistrictReport.objects.get(pk=a1_saved.pk)
    assert (report.ft_received, report.version, report.status) == (Decimal("1000.00"), 1, status)


def test_returned_report_can_be_corrected(client_for, dso_a, world, q3, a1_saved):
    DistrictReport.objects.filter(pk=a1_saved.pk).update(status=ReportStatus.RETURNED)
    response = client_for(dso_a).post(commune_url(), commune_post([good_village(100), good_village(70)], version=1))
    assert response.status_code == 302
    assert saved_figures(a1_saved, world.commune_a1)["05080102"]["households_total"] == 70


def test_closed_quarter_cannot_be_changed(client_for, dso_a, world, q3, a1_saved, section_saved):
    ReportingPeriod.objects.filter(pk=q3.pk).update(is_open=False)
    before = saved_figures(a1_saved, world.commune_a1)
    client = client_for(dso_a)

    page = client.get(commune_url())
    assert page.status_code == 200
    assert "This quarter is closed for data entry." in html(page)
    assert (
        client.post(commune_url(), commune_post([good_village(300), good_village(200)], version=1)).status_code == 403
    )
    assert client.post(section_url(), district_post(version=1, ft_received="9.00")).status_code == 403

    assert saved_figures(a1_saved, world.commune_a1) == before
    assert DistrictReport.objects.get(pk=a1_saved.pk).ft_received == Decimal("1000.00")


def test_closed_quarter_without_a_report_is_not_started_by_opening_it(client_for, dso_a, world, q2):
    client = client_for(dso_a)
    assert client.get(report_url(quarter=2)).status_code == 200
    assert client.get(commune_url(quarter=2)).status_code == 404
    assert client.post(commune_url(quarter=2), commune_post([good_village(), good_village()])).status_code == 404
    assert not DistrictReport.objects.exists()


# --- Query counts ------------------------------------------------------------------------------------------
# Measured on SQLite and PostgreSQL (Django 5.2), the same for 30 and 60 villages: commune page 16
# queries pre-filled, 17 once its rows are saved; 20-23 on the very first visit (it creates the report
# and the commune's record); report page 21. Pinned a little above.


def _commune_with_last_quarter(big_commune, q2, world, villages, code):
    commune = big_commune(villages, code=code)
    report = DistrictReport.objects.get_or_create(district=world.district_a, period=q2)[0]
    VillageQuarter.objects.bulk_create(
        VillageQuarter(
            report=report,
            village=village,
            households_total=100,
            hh_improved_own=50,
            hh_improved_shared=0,
            hh_unimproved=25,
            hh_open_defecation=25,
        )
        for village in commune.villages.all()
    )
    return commune


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.slow  # pages of 30 and 60 villages
def test_commune_page_query_count_does_not_grow_with_villages(
    client_for, dso_a, world, q3, q2, big_commune, django_assert_max_num_queries
):
    client = client_for(dso_a)
    counts = {}
    for villages, code in ((30, "050871"), (60, "050872")):
        commune = _commune_with_last_quarter(big_commune, q2, world, villages, code)
        url = commune_url(commune.code)
        first_visit = _count(client, url)
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200  # pre-filled from last quarter
        prefilled = _count(client, url)
        response = client.post(url, commune_post([good_village(100 + i) for i in range(villages)]))
        assert response.status_code == 302
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200  # every row saved
        counts[villages] = (first_visit, prefilled, _count(client, url))
    assert counts[30][1:] == counts[60][1:]
    assert max(counts[30][0], counts[60][0]) <= 25  # first visit also creates the report and commune record


def test_report_page_query_count_does_not_grow_with_villages(
    client_for, dso_a, reviewer_p, world, q3, q2, big_commune, django_assert_max_num_queries
):
    client = client_for(dso_a)
    counts = []
    for villages, code in ((30, "050871"), (60, "050872")):
        commune = _commune_with_last_quarter(big_commune, q2, world, villages, code)
        client.post(commune_url(commune.code), commune_post([good_village(100 + i) for i in range(villages)]))
        with django_assert_max_num_queries(23):
            assert client.get(report_url()).status_code == 200
        counts.append(_count(client, report_url()))
    assert counts[0] == counts[1]
    reader = client_for(reviewer_p)
    with django_assert_max_num_queries(23):
        assert reader.get(report_url()).status_code == 200
