"""Audit: a figure cannot change without a history row naming the old value, the new value and the user,
whichever page changed it, and `reports.review.history.changes(report)` lists them.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from reports.models import CommuneQuarter, DistrictReport, Training, VillageQuarter
from reports.review import history, workflow
from tests.factories import DistrictReportFactory
from tests.reports.pages import TRAINING, commune_post, district_post, good_village, html, values

VILLAGE = "05080101"


@pytest.fixture(autouse=True)
def english():
    """Figures are named in the active language when read; outside a request that is Khmer."""
    with translation.override("en"):
        yield


def commune_url(commune="050801"):
    return reverse("reports:commune", args=["0508", 2019, 3, commune])


def section_url():
    return reverse("reports:district_section", args=["0508", 2019, 3])


def history_url():
    return reverse("reports:history", args=["0508", 2019, 3])


def save_commune_a1(client, report, households, **changes):
    version = CommuneQuarter.objects.get(report=report, commune__code="050801").version
    response = client.post(
        commune_url(), commune_post([good_village(households, **changes), good_village(100)], version=version)
    )
    assert response.status_code == 302, html(response)


def stored(value):
    """A raw stored value as the tests name it: an em dash for nothing entered."""
    return "—" if value in (None, "") else str(value)


def find(changes, field, old, new):
    return [c for c in changes if c.field == field and stored(c.old) == str(old) and stored(c.new) == str(new)]


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
    assert change.by == dso_a and VILLAGE in str(change.where)
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

    households = [(c.old, c.new) for c in changes if c.field == "households in total" and VILLAGE in str(c.where)]
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


# --- The history page: labels in the reader's language, pre-filled values, pages, filters ---------


def changes_table(page):
    """The changes table and what follows it on the page (the page links)."""
    return page[page.index('id="changes"') : page.index("</main>")]


def change_rows(page):
    """The cells of each line of the changes table that is one change (a folded pre-fill line is not)."""
    table = re.sub(r"<details>.*?</details>", "", changes_table(page), flags=re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr><td>.*?</tr>", table, re.S)]


def prefill_lines(page):
    """The folded pre-fill lines, as a reader sees them before opening one."""
    summaries = re.findall(r"<summary>(.*?)</summary>", changes_table(page), re.S)
    return [" ".join(summary.split()) for summary in summaries]


def edit_one_of_each_kind(client, report):
    """A yes/no figure, a date, money, a choice (ODF status) and a new training (its topic), changed through the
    pages a DSO uses."""
    posted = district_post(
        version=report.version, wg_meeting_held="false", wg_meeting_date="", ft_received="1200.5", trainings=[TRAINING]
    )
    assert client.post(section_url(), posted).status_code == 302
    save_commune_a1(client, report, 100, odf_status="not_triggered")


MEETING_DAY = datetime.date(2019, 8, 14)  # DistrictReportFactory(complete=True): the quarter's 45th day


def test_history_shows_labels_not_codes(report, client_for, dso_a, reviewer_p):
    edit_one_of_each_kind(client_for(dso_a), report)

    rows = change_rows(html(client_for(reviewer_p).get(history_url())))

    cells = {tuple(row[3:6]) for row in rows}
    meeting_day = formats.date_format(MEETING_DAY, "DATE_FORMAT")  # English: the test client's language
    assert {
        ("District working-group meeting held", "Yes", "No"),
        ("Meeting date", meeting_day, "—"),
        ("Received this quarter", "$1,000.00", "$1,200.50"),
        ("ODF status", "Triggered", "Not triggered"),
        ("Topic", "—", "CLTS"),
    } <= cells, cells


def test_history_shows_labels_not_codes_in_khmer(report, client_for, dso_a, reviewer_p):
    edit_one_of_each_kind(client_for(dso_a), report)

    table = changes_table(html(client_for(reviewer_p, language="km").get(history_url())))

    for code in (">True<", ">False<", "not_triggered", ">triggered<", ">clts<", "1200.50", "2019-08-14"):
        assert code not in table, code
    with translation.override("km"):
        assert gettext("Not triggered") != "Not triggered"  # the label's msgid has a Khmer translation
        labels = [
            gettext("Not triggered"),
            gettext("Yes"),
            gettext("No"),
            formats.date_format(MEETING_DAY, "DATE_FORMAT"),
            str(capfirst(VillageQuarter._meta.get_field("odf_status").verbose_name)),
            str(capfirst(DistrictReport._meta.get_field("wg_meeting_held").verbose_name)),
        ]
    for label in labels:
        assert label in table, label


def test_history_names_figures_in_the_language_of_the_reader_not_of_the_saver(report, client_for, dso_a, reviewer_p):
    save_commune_a1(client_for(dso_a, language="km"), report, 120)  # saved by a Khmer reader

    rows = change_rows(html(client_for(reviewer_p, language="en").get(history_url())))

    assert ["Households in total", "100", "120"] in [row[3:6] for row in rows]


@pytest.fixture
def last_quarter(world, q2):
    """District A's approved 2019 Q2 report with every village's figures (VillageQuarterFactory's: 100
    households, 9 stock figures entered), the source of Q3's pre-fill."""
    return DistrictReportFactory(district=world.district_a, period=q2, approved=True, filled=True)


def save_prefilled_page(client, commune="050801", **changes):
    """Open a commune page of the new quarter, pre-filled from last quarter, and save it as shown, with this
    quarter's latrines built (and `changes`: {posted name: value}) typed in."""
    shown = values(client.get(commune_url(commune)))
    posted = {name: value for name, value in shown.items() if name.startswith(("villages-", "activities-", "version"))}
    posted.update({"villages-0-latrines_built": "2", "villages-1-latrines_built": "0", **changes})
    response = client.post(commune_url(commune), posted)
    assert response.status_code == 302, html(response)


def test_history_folds_values_prefilled_from_last_quarter_into_one_line_per_save(
    world, q3, last_quarter, client_for, dso_a, reviewer_p
):
    client = client_for(dso_a)
    save_prefilled_page(client, "050801")
    save_prefilled_page(client, "050802")

    page = html(client_for(reviewer_p).get(history_url()))

    assert prefill_lines(page) == [  # newest first
        "18 figures pre-filled from Q2 2019 (Test Village 05080201, Test Village 05080202)",
        "18 figures pre-filled from Q2 2019 (Test Village 05080101, Test Village 05080102)",
    ]
    rows = change_rows(page)
    assert not [row for row in rows if row[3] in ("Households in total", "ODF status")]  # no "— → 100" lines
    typed = [row[4:6] for row in rows if row[3] == "Latrines built this quarter"]
    assert sorted(typed) == [["—", "0"], ["—", "0"], ["—", "2"], ["—", "2"]]  # what the DSO typed: a line each


def test_a_folded_prefill_line_opens_to_show_each_value_without_script(
    world, q3, last_quarter, client_for, dso_a, reviewer_p
):
    save_prefilled_page(client_for(dso_a))

    table = changes_table(html(client_for(reviewer_p).get(history_url())))

    [details] = re.findall(r"<details>.*?</details>", table, re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr><td>.*?</tr>", details, re.S)]
    assert len(cells) == 18
    assert cells[0] == ["05080101 Test Village 05080101", "Households in total", "100"]
    assert ["05080102 Test Village 05080102", "ODF status", "Triggered"] in cells
    assert "<script" not in table and " onclick=" not in table


def test_a_prefilled_value_changed_before_saving_is_listed_as_typed(
    world, q3, last_quarter, client_for, dso_a, reviewer_p
):
    # 110 households instead of last quarter's 100; the 10 more practise open defecation (20 -> 30).
    save_prefilled_page(
        client_for(dso_a), **{"villages-0-households_total": "110", "villages-0-hh_open_defecation": "30"}
    )

    page = html(client_for(reviewer_p).get(history_url()))

    assert prefill_lines(page) == ["16 figures pre-filled from Q2 2019 (Test Village 05080101, Test Village 05080102)"]
    typed = {row[3]: row[4:6] for row in change_rows(page) if row[2].startswith("05080101")}
    assert typed["Households in total"] == ["—", "110"] and typed["Open defecation"] == ["—", "30"]


def test_without_last_quarter_nothing_is_called_prefilled(world, q3, client_for, dso_a, reviewer_p):
    client = client_for(dso_a)
    response = client.post(commune_url(), commune_post([good_village(100), good_village(60)]))
    assert response.status_code == 302, html(response)

    page = html(client_for(reviewer_p).get(history_url()))

    assert prefill_lines(page) == []
    assert ["Households in total", "—", "100"] in [row[3:6] for row in change_rows(page)]


# Pages and the 1,000-change case.


@pytest.fixture
def busy_report(world, q2, q3, big_commune, dso_a, dso_a2, client_for):
    """District A's Q3 report with more than 1,000 changes: two communes of 50 villages entered by dso_a (no
    last quarter for them), commune A1's villages partly pre-filled from Q2, and a correction by dso_a2."""
    DistrictReportFactory(district=world.district_a, period=q2, approved=True, filled=True)  # A1, A2 only
    big_commune(50, "050898")  # village codes have 8 characters: at most 99 villages a commune
    big_commune(50, "050899")
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)
    save_commune_a1(client_for(dso_a2), report, 120)
    return report


def test_history_pages_every_change_with_a_count_and_cuts_none(busy_report, client_for, reviewer_p):
    total = len(history.load(busy_report).lines())
    pages = -(-total // history.PER_PAGE)
    assert total > 1000
    client = client_for(reviewer_p)

    first = html(client.get(history_url()))
    assert f"Showing 1–50 of {total:,} changes" in first and f"Page 1 of {pages}" in first
    seen = []
    for number in range(1, pages + 1):
        page = html(client.get(history_url(), {"page": number}))
        seen += change_rows(page) + prefill_lines(page)

    assert len(seen) == total  # every line, on some page
    last = html(client.get(history_url(), {"page": pages}))
    assert f"Showing {(pages - 1) * 50 + 1:,}–{total:,} of {total:,} changes" in last
    oldest = history.load(busy_report).changes[-1]
    assert change_rows(last)[-1][3:6] == [capfirst(oldest.field), oldest.old_text, oldest.new_text]


@pytest.mark.parametrize("number, shown", [("999999", "last"), ("0", "last"), ("-1", "last"), ("abc", "first")])
def test_history_page_number_out_of_range_or_not_a_number_shows_a_page(
    busy_report, client_for, reviewer_p, number, shown
):
    total = len(history.load(busy_report).lines())
    pages = -(-total // history.PER_PAGE)
    client = client_for(reviewer_p)

    response = client.get(history_url(), {"page": number})

    assert response.status_code == 200
    expected = pages if shown == "last" else 1
    assert f"Page {expected} of {pages}" in html(response)


# Filters.


def test_history_filters_by_village(busy_report, client_for, reviewer_p):
    page = html(client_for(reviewer_p).get(history_url(), {"village": VILLAGE}))

    rows = change_rows(page)
    assert rows and all(row[2] == f"{VILLAGE} Test Village {VILLAGE}" for row in rows)
    assert f'<option value="{VILLAGE}" selected>{VILLAGE} Test Village {VILLAGE}</option>' in page
    assert '<option value="05089901">05089901 ' in page  # every village of the report can be chosen
    assert '<option value="05010101"' not in page  # district B's village: not this report's


def test_history_filters_by_person(busy_report, client_for, reviewer_p, dso_a, dso_a2):
    page = html(client_for(reviewer_p).get(history_url(), {"person": dso_a2.pk}))

    rows = change_rows(page)
    assert rows and all(row[1] == "Sreymom Keo" for row in rows)
    assert ["Households in total", "100", "120"] in [row[3:6] for row in rows]
    assert f'<option value="{dso_a.pk}">dso_a</option>' in page  # the people who changed something
    assert f'<option value="{reviewer_p.pk}"' not in page  # who changed nothing is not offered


def test_history_page_links_keep_the_filters(busy_report, client_for, reviewer_p, dso_a, monkeypatch):
    monkeypatch.setattr(history, "PER_PAGE", 4)  # the village's dozen changes on several pages

    page = html(client_for(reviewer_p).get(history_url(), {"village": "05089901", "person": dso_a.pk, "page": 2}))

    links = re.findall(r'class="page-link"[^>]*href="\?([^"]*)"', page)
    assert links and all(f"village=05089901&amp;person={dso_a.pk}&amp;page=" in link for link in links), links
    assert "Page 2 of" in page and 'id="filter-refused"' not in page


def test_history_with_filters_that_match_nothing_says_so(busy_report, client_for, reviewer_p, dso_a2):
    page = html(client_for(reviewer_p).get(history_url(), {"village": "05089901", "person": dso_a2.pk}))

    assert change_rows(page) == [] and "No change to figures matches these filters." in page
    assert 'id="filter-refused"' not in page and 'id="changes-count"' not in page


@pytest.mark.parametrize(
    "query",
    [
        {"village": "<script>alert(1)</script>"},
        {"person": "abc"},
        {"person": "1 OR 1=1"},
        {"village": "05010101"},  # a village of district B
        {"village": VILLAGE, "person": "abc"},
    ],
)
def test_history_refuses_a_filter_value_that_is_not_a_choice_and_shows_every_change(
    report, client_for, dso_a, reviewer_p, query
):
    save_commune_a1(client_for(dso_a), report, 120)
    client = client_for(reviewer_p)
    everything = change_rows(html(client.get(history_url())))

    response = client.get(history_url(), query)

    assert response.status_code == 200
    page = html(response)
    assert 'id="filter-refused"' in page and "showing every change" in page
    assert change_rows(page) == everything
    assert "<script>alert" not in page


def test_history_refuses_a_person_who_changed_nothing_in_this_report(report, client_for, reviewer_p, reviewer_q):
    page = html(client_for(reviewer_p).get(history_url(), {"person": reviewer_q.pk}))
    assert 'id="filter-refused"' in page


def test_history_page_queries_stay_bounded_with_many_villages_and_changes(
    busy_report, client_for, reviewer_p, dso_a, django_assert_max_num_queries
):
    client = client_for(reviewer_p)
    client.get(history_url())  # the session, once

    with django_assert_max_num_queries(17):  # 15 today, whatever the number of villages or changes
        response = client.get(history_url(), {"village": "05089901", "person": dso_a.pk, "page": 2})

    assert response.status_code == 200
