"""The commune page through the test client: saving, pre-fill from last quarter, tampering, edit conflicts
and a session that ends while typing. What a save keeps, and what a refused save gives back.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from reports.entry import validation
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    Training,
    VillageQuarter,
)
from tests.reports.conftest import Q2_HOUSEHOLDS
from tests.reports.entry.helpers import (
    A1_VILLAGES,
    a1_report,
    commune_url,
    error_next_to,
    login_redirect,
    messages_of,
    report_url,
    section_url,
    village_values,
)
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
    assert re.search(r'<tr id="village-05080102" class="village-row table-danger">', page)
    assert re.search(r'<tr id="village-05080101" class="village-row">', page)
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
    assert html(response).count(">from last quarter, not confirmed</span>") == 2
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
    assert ">from last quarter, not confirmed</span>" not in html(client.get(commune_url()))


def test_a_village_saved_as_carried_over_stays_not_confirmed_until_changed_or_ticked(
    client_for, dso_a, world, q3, q2_report
):
    """Saving the page stores every village; the ones nobody touched keep saying they hold last quarter's figures."""
    client = client_for(dso_a)
    posted = {
        name: value
        for name, value in values(client.get(commune_url())).items()
        if name.startswith(("villages-", "activities-", "version"))
    }
    posted["villages-1-latrines_built"] = "3"  # village 2 is looked at; village 1 is saved as carried over
    assert client.post(commune_url(), posted).status_code == 302

    rows = {row.village.code: row for row in VillageQuarter.objects.filter(report__period=q3).select_related("village")}
    assert rows["05080101"].confirmed is False and rows["05080102"].confirmed is True
    page = html(client.get(commune_url()))
    assert page.count(">from last quarter, not confirmed</span>") == 1
    assert page.count('name="villages-0-confirm"') == 1 and 'name="villages-1-confirm"' not in page

    # "Unchanged: confirm" ticked: the figures stay as they are and the village counts as looked at.
    posted = {
        name: value
        for name, value in values(client.get(commune_url())).items()
        if name.startswith(("villages-", "activities-", "version"))
    }
    posted["villages-0-confirm"] = "on"
    assert client.post(commune_url(), posted).status_code == 302
    row = VillageQuarter.objects.get(report__period=q3, village__code="05080101")
    assert row.confirmed is True and row.households_total == Q2_HOUSEHOLDS["05080101"]
    assert ">from last quarter, not confirmed</span>" not in html(client.get(commune_url()))


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
    assert conflict[0].startswith("Sreymom Keo saved this commune at ")
    assert (
        first.updated_at.astimezone(datetime.timezone(datetime.timedelta(hours=7))).strftime("%d/%m/%Y %H:%M")
        in conflict[0]
    )
    assert "Your values were NOT saved." in conflict[0]
    shown = values(response)
    assert shown["villages-0-households_total"] == "200"
    assert shown["villages-1-households_total"] == "80"
    assert shown["version"] == "1"  # Save again keeps these values, knowingly
    # Figure by figure, the value saved meanwhile is shown under the one typed, with a button that takes it.
    page = html(response)
    first_village = page.split('data-village="05080101"', 1)[1].split("</tbody>", 1)[0]
    assert (
        'Saved meanwhile: <strong>100</strong> <button type="button" class="btn btn-link btn-sm p-0 grid-take" '
        'data-for="id_villages-0-households_total" data-value="100">Use it</button>'
    ) in first_village
    differing = [f for f, v in good_village(100).items() if good_village(200)[f] != v]
    assert first_village.count('class="grid-theirs') == len(differing)  # only where the figures differ
    assert 'data-for="id_villages-0-latrines_built"' not in first_village
    assert 'id="grid-next-problem"' in page
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


# --- Commune page: save and go on -----------------------------------------------------------------


def test_save_and_next_goes_to_the_next_commune_then_back_to_the_report(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    page = html(client.get(commune_url("050801")))
    assert "Save and go to Test Commune 050802" in page

    response = client.post(
        commune_url("050801"), {**commune_post([good_village(100), good_village(60)]), "then": "next"}
    )
    assert response.status_code == 302 and response.url == commune_url("050802")
    assert saved_figures(a1_report(world, q3), world.commune_a1)  # saved before moving on

    assert "Save and go back to the report" in html(client.get(commune_url("050802")))
    last = commune_post([good_village(80), good_village(40)])
    response = client.post(commune_url("050802"), {**last, "then": "next"})
    assert response.status_code == 302 and response.url == report_url()


def test_save_and_next_is_not_offered_where_there_is_nowhere_to_go(client_for, focal_a1, world, q3):
    """A commune focal point enters one commune and cannot read the district's report."""
    client = client_for(focal_a1)
    assert 'id="save-and-next"' not in html(client.get(commune_url("050801")))
    response = client.post(
        commune_url("050801"), {**commune_post([good_village(100), good_village(60)]), "then": "next"}
    )
    assert response.status_code == 302 and response.url == commune_url("050801")


def test_a_failed_save_and_next_stays_on_the_page_with_everything_typed(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    bad = good_village(100, hh_unimproved=99)
    response = client.post(commune_url("050801"), {**commune_post([bad, good_village(60)]), "then": "next"})
    assert response.status_code == 200
    assert values(response)["villages-0-hh_unimproved"] == "99"
    assert 'id="grid-next-problem"' in html(response)
