"""Two people saving the same page: the first save wins, the second is refused and keeps its values.

Real transactions (transaction=True), so each save commits as it does in production. The race
test needs PostgreSQL's row locks: SQLite has none (writers lock the whole database file), so there
that test is skipped and the sequential ones still run.
"""

import threading
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from reports.entry import writes as entry
from reports.entry.forms import CommuneActivityForm, DistrictSectionForm, TrainingFormSet, VillageFormSet
from reports.models import CommuneQuarter, DistrictReport, ReportStatus
from tests.reports.pages import commune_post, district_post, good_village, saved_figures, values

pytestmark = pytest.mark.django_db(transaction=True)

URL = reverse("reports:commune", args=["0508", 2019, 3, "050801"])
A1_VILLAGES = ["05080101", "05080102"]
PHNOM_PENH = zoneinfo.ZoneInfo("Asia/Phnom_Penh")


def logged_in(user):
    """A separate browser session (its own cookies) for `user`, in English."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def households(world, q3):
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    saved = saved_figures(report, world.commune_a1)
    return [saved[code]["households_total"] if code in saved else None for code in A1_VILLAGES]


def conflict_messages(response):
    return [str(m) for m in response.context["messages"] if "after you opened it" in str(m)]


def saved_at_text(record):
    return record.updated_at.astimezone(PHNOM_PENH).strftime("%d/%m/%Y %H:%M")


@pytest.mark.parametrize("second_user", ["dso_a2", "dso_a"])
def test_second_save_from_the_same_loaded_page_is_refused_and_keeps_its_values(request, dso_a, second_user, world, q3):
    first = logged_in(dso_a)
    second = logged_in(request.getfixturevalue(second_user))  # another officer, or the same one in another tab
    loaded = [values(client.get(URL))["version"] for client in (first, second)]
    assert loaded == ["0", "0"]

    response = first.post(URL, commune_post([good_village(100), good_village(60)], version=loaded[0]))
    assert response.status_code == 302

    response = second.post(URL, commune_post([good_village(200), good_village(80)], version=loaded[1]))

    assert response.status_code == 200
    record = CommuneQuarter.objects.select_related("updated_by").get(commune=world.commune_a1)
    (message,) = conflict_messages(response)
    assert message.startswith("dso_a saved this commune at ")  # dso_a has no full name: the username
    assert saved_at_text(record) in message
    shown = values(response)
    assert [shown["villages-0-households_total"], shown["villages-1-households_total"]] == ["200", "80"]
    assert households(world, q3) == [100, 60]
    assert (record.version, record.updated_by) == (1, dso_a)


def test_conflict_message_names_the_first_user_by_full_name(dso_a, dso_a2, world, q3):
    first, second = logged_in(dso_a2), logged_in(dso_a)
    first.get(URL), second.get(URL)
    first.post(URL, commune_post([good_village(100), good_village(60)], version=0))

    response = second.post(URL, commune_post([good_village(200), good_village(80)], version=0))

    (message,) = conflict_messages(response)
    assert message.startswith("Sreymom Keo saved this commune at ")
    assert households(world, q3) == [100, 60]


def test_district_section_second_save_is_refused(dso_a, dso_a2, world, q3):
    url = reverse("reports:district_section", args=["0508", 2019, 3])
    first, second = logged_in(dso_a2), logged_in(dso_a)
    first.get(url), second.get(url)
    assert first.post(url, district_post(version=0, ft_received="1000.00")).status_code == 302

    response = second.post(url, district_post(version=0, ft_received="1200.00"))

    assert response.status_code == 200
    assert conflict_messages(response)[0].startswith("Sreymom Keo saved this page at ")
    assert values(response)["district-ft_received"] == "1200.00"
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    assert (str(report.ft_received), report.version, report.updated_by) == ("1000.00", 1, dso_a2)


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="needs row locks (SELECT ... FOR UPDATE); SQLite serialises writers on the whole file",
)
def test_simultaneous_saves_one_wins_the_other_is_refused(monkeypatch, dso_a, dso_a2, world, q3):
    # Both requests are held just before they take their locks (the report's row, then the commune's record),
    # then released together: without the row locks both would read version 0 and the later one would
    # silently overwrite.
    clients = {"dso_a": logged_in(dso_a), "dso_a2": logged_in(dso_a2)}
    for client in clients.values():
        client.get(URL)
    barrier = threading.Barrier(2, timeout=20)
    real_lock = entry._lock_editable

    def lock_together(*args, **kwargs):
        barrier.wait()
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(entry, "_lock_editable", lock_together)
    posts = {
        "dso_a": commune_post([good_village(100), good_village(60)], version=0),
        "dso_a2": commune_post([good_village(200), good_village(80)], version=0),
    }
    responses, failures = {}, []

    def save(name):
        try:
            responses[name] = clients[name].post(URL, posts[name])
        except BaseException as error:  # reported below; a thread's exception would be lost
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    assert sorted(r.status_code for r in responses.values()) == [200, 302]
    winner = next(name for name, r in responses.items() if r.status_code == 302)
    loser = next(name for name, r in responses.items() if r.status_code == 200)
    record = CommuneQuarter.objects.select_related("updated_by").get(commune=world.commune_a1)
    assert (record.version, record.updated_by.username) == (1, winner)
    expected = {"dso_a": [100, 60], "dso_a2": [200, 80]}
    assert households(world, q3) == expected[winner]
    (message,) = conflict_messages(responses[loser])
    assert message.startswith({"dso_a": "dso_a", "dso_a2": "Sreymom Keo"}[winner] + " saved this commune at ")
    shown = values(responses[loser])
    assert [int(shown[f"villages-{i}-households_total"]) for i in (0, 1)] == expected[loser]


# --- The service itself -----------------------------------------------------------------------------


def bound_commune_page(report, commune, rows, version):
    record = CommuneQuarter.objects.get(report=report, commune=commune)
    data = commune_post(rows, version=version)
    village_rows = entry.village_rows(report, commune, entry.previous_village_values(report, commune.villages.all()))
    activity_form = CommuneActivityForm(data, instance=record, prefix="activities")
    formset = VillageFormSet(data, instances=village_rows, prefix="villages")
    assert activity_form.is_valid() and formset.is_valid()
    return record, activity_form, formset


def open_a1(world, q3, by):
    report = entry.open_report(district=world.district_a, period=q3)
    entry.open_commune_quarter(report=report, commune=world.commune_a1)
    return report


def test_save_commune_page_bumps_the_version_and_saves_rows(dso_a, world, q3):
    report = open_a1(world, q3, dso_a)
    record, activity_form, formset = bound_commune_page(
        report, world.commune_a1, [good_village(100), good_village(60)], 0
    )

    saved = entry.save_commune_page(
        commune_quarter=record, activity_form=activity_form, village_formset=formset, expected_version=0, by=dso_a
    )

    assert (saved.version, saved.updated_by) == (1, dso_a)
    assert households(world, q3) == [100, 60]


def test_save_commune_page_with_an_old_version_raises_edit_conflict(dso_a, dso_a2, world, q3):
    report = open_a1(world, q3, dso_a)
    record, activity_form, formset = bound_commune_page(
        report, world.commune_a1, [good_village(100), good_village(60)], 0
    )
    entry.save_commune_page(
        commune_quarter=record, activity_form=activity_form, village_formset=formset, expected_version=0, by=dso_a2
    )
    record, activity_form, formset = bound_commune_page(
        report, world.commune_a1, [good_village(200), good_village(80)], 0
    )

    with pytest.raises(entry.EditConflict) as caught:
        entry.save_commune_page(
            commune_quarter=record, activity_form=activity_form, village_formset=formset, expected_version=0, by=dso_a
        )

    current = CommuneQuarter.objects.get(pk=record.pk)
    assert caught.value.saved_by == "Sreymom Keo"
    assert caught.value.saved_at == current.updated_at
    assert (current.version, current.updated_by) == (1, dso_a2)
    assert households(world, q3) == [100, 60]


def test_save_district_section_with_an_old_version_raises_edit_conflict(dso_a, dso_a2, world, q3):
    report = entry.open_report(district=world.district_a, period=q3)
    DistrictReport.objects.filter(pk=report.pk).update(version=3, updated_by=dso_a2)
    data = district_post(version=2)
    form = DistrictSectionForm(data, instance=report, prefix="district")
    trainings = TrainingFormSet(data, instance=report, prefix="trainings")
    assert form.is_valid() and trainings.is_valid()

    with pytest.raises(entry.EditConflict) as caught:
        entry.save_district_section(report=report, form=form, training_formset=trainings, expected_version=2, by=dso_a)

    assert caught.value.saved_by == "Sreymom Keo"
    report.refresh_from_db()
    assert (report.version, report.ft_received) == (3, None)


@pytest.mark.parametrize("status", [ReportStatus.SUBMITTED, ReportStatus.APPROVED])
def test_save_commune_page_refuses_a_report_out_of_the_districts_hands(dso_a, world, q3, status):
    report = open_a1(world, q3, dso_a)
    record, activity_form, formset = bound_commune_page(
        report, world.commune_a1, [good_village(100), good_village(60)], 0
    )
    DistrictReport.objects.filter(pk=report.pk).update(status=status)
    record.report.refresh_from_db()

    with pytest.raises(PermissionDenied):
        entry.save_commune_page(
            commune_quarter=record, activity_form=activity_form, village_formset=formset, expected_version=0, by=dso_a
        )

    assert households(world, q3) == [None, None]
    assert CommuneQuarter.objects.get(pk=record.pk).version == 0
