"""Audit: a figure cannot change without a history row naming the old value, the new value and the user,
whichever page changed it, and `reports.review.history.changes(report)` lists them.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from reports.models import CommuneQuarter, DistrictReport, Training, VillageQuarter
from reports.review import history, workflow
from tests.factories import DistrictReportFactory
from tests.reports.pages import TRAINING, commune_post, district_post, good_village, html

VILLAGE = "05080101"


@pytest.fixture(autouse=True)
def english():
    """history.changes() names fields in the active language; outside a request that is Khmer."""
    with translation.override("en"):
        yield


def commune_url(commune="050801"):
    return reverse("reports:commune", args=["0508", 2019, 3, commune])


def section_url():
    return reverse("reports:district_section", args=["0508", 2019, 3])


def history_url():
    return reverse("reports:history", args=["0508", 2019, 3])


def save_commune_a1(client, report, households):
    version = CommuneQuarter.objects.get(report=report, commune__code="050801").version
    response = client.post(commune_url(), commune_post([good_village(households), good_village(100)], version=version))
    assert response.status_code == 302, html(response)


def find(changes, field, old, new):
    return [c for c in changes if c.field == field and str(c.old) == str(old) and str(c.new) == str(new)]


def village_history(report, code=VILLAGE):
    row = VillageQuarter.objects.get(report=report, village__code=code)
    return list(VillageQuarter.history.filter(id=row.pk).order_by("history_date", "history_id"))


def test_commune_page_save_records_old_and_new_value_and_the_user(report, client_for, dso_a):
    before = len(village_history(report))

    save_commune_a1(client_for(dso_a), report, 120)

    records = village_history(report)
    assert len(records) == before + 1
    assert (records[-2].households_total, records[-1].households_total) == (100, 120)
    assert records[-1].history_user == dso_a
    [change] = find(history.changes(report), "households in total", 100, 120)
    assert change.by == dso_a and VILLAGE in change.where
    assert find(history.changes(report), "open defecation", 20, 24)  # 120 households: the groups follow


def test_reopen_and_edit_records_the_change(report, client_for, dso_a, reviewer_p):
    workflow.submit_report(report=report, by=dso_a)
    workflow.approve_report(report=report, by=reviewer_p)
    workflow.reopen_report(report=report, by=reviewer_p, reason="Village 05080101 was recounted.")

    save_commune_a1(client_for(dso_a), report, 130)

    [change] = find(history.changes(report), "households in total", 100, 130)
    assert change.by == dso_a
    record = village_history(report)[-1]
    assert (record.households_total, record.history_user) == (130, dso_a)


def test_district_section_save_records_old_and_new_value_and_the_user(report, client_for, dso_a):
    response = client_for(dso_a).post(
        section_url(),
        district_post(version=report.version, ft_received="1200.00", achievements="Five villages triggered."),
    )
    assert response.status_code == 302

    changes = history.changes(report)
    [received] = find(changes, "received this quarter", "1000.00", "1200.00")
    [achievements] = find(changes, "achievements", "Three villages triggered.", "Five villages triggered.")
    assert received.by == dso_a and achievements.by == dso_a
    record = DistrictReport.history.filter(id=report.pk).latest("history_date")
    assert record.history_user == dso_a and str(record.ft_received) == "1200.00"


def test_training_added_then_deleted_is_listed_both_times(report, client_for, dso_a):
    client = client_for(dso_a)
    assert client.post(section_url(), district_post(version=report.version, trainings=[TRAINING])).status_code == 302
    training = Training.objects.get(report=report)
    report.refresh_from_db()

    response = client.post(
        section_url(),
        district_post(
            version=report.version,
            existing=1,
            trainings=[{**TRAINING, "id": str(training.pk), "report": str(report.pk), "DELETE": "on"}],
        ),
    )
    assert response.status_code == 302 and not Training.objects.filter(report=report).exists()

    changes = [c for c in history.changes(report) if c.where == "training"]
    assert find(changes, "village", "—", 20), changes  # added: 20 village participants
    assert find(changes, "village", 20, "—"), changes  # deleted: the 20 are gone, and the audit says so
    assert all(c.by == dso_a for c in changes)


def test_changes_lists_every_path_newest_first_and_the_history_page_shows_them(report, client_for, dso_a, reviewer_p):
    client = client_for(dso_a)
    save_commune_a1(client, report, 120)
    report.refresh_from_db()
    client.post(section_url(), district_post(version=report.version, active_masons="11"))
    workflow.submit_report(report=report, by=dso_a)
    workflow.approve_report(report=report, by=reviewer_p)
    workflow.reopen_report(report=report, by=reviewer_p, reason="Recount.")
    save_commune_a1(client_for(dso_a), report, 125)

    changes = history.changes(report)

    households = [(c.old, c.new) for c in changes if c.field == "households in total" and VILLAGE in c.where]
    assert households[:2] == [(120, 125), (100, 120)]  # newest first
    assert find(changes, "active masons", 9, 11)
    assert [c.at for c in changes] == sorted((c.at for c in changes), reverse=True)

    page = html(client_for(reviewer_p).get(history_url()))
    table = page[page.index('id="changes"') :]
    for old, new in (("100", "120"), ("120", "125"), ("9", "11")):
        assert f"<td>{old}</td><td>{new}</td>" in table


def test_history_page_renders_changes_with_no_recorded_user(world, q3, client_for, reviewer_p):
    """Rows saved outside a request (the demo loader, a script, a deleted user) have no history user."""
    # No user: as reports/demo.py creates its reports.
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True)

    response = client_for(reviewer_p).get(history_url())

    assert response.status_code == 200
    assert any(c.by is None for c in history.changes(report))


def test_history_page_renders_after_the_reviewer_account_is_deleted(report, client_for, dso_a, reviewer_p, pa_p):
    workflow.submit_report(report=report, by=dso_a)
    workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Recount, please.")])
    reviewer_p.delete()  # people leave; their events, comments and history rows stay (SET_NULL)

    client_for(None).raise_request_exception = False  # collect every page's status, not the first error
    statuses = {
        "history": client_for(pa_p).get(history_url()).status_code,
        "report page": client_for(dso_a).get(reverse("reports:report", args=["0508", 2019, 3])).status_code,
        "commune page": client_for(dso_a).get(commune_url()).status_code,
    }

    assert statuses == {"history": 200, "report page": 200, "commune page": 200}


@pytest.mark.parametrize("persona, status", [("dso_b", 404), ("reviewer_q", 404), ("pa_p", 200)])
def test_history_is_read_through_the_scoped_lookup(report, client_for, persona, status, request):
    assert client_for(request.getfixturevalue(persona)).get(history_url()).status_code == status
