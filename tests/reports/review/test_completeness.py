"""Completeness and timeliness (reports/completeness.py), with DHIS2's definitions:
reporting rate = submitted / expected, on-time rate = submitted by the deadline / expected.

The quarter: 2019 Q3, deadline 15 October. District A approved, first submitted on time; district B
submitted late and waiting for review; district C (province Q) has not reported.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from districts.models import Province, Role
from reports.models import CommuneQuarter, DistrictReport, VillageQuarter
from reports.review import completeness, workflow
from tests.factories import AssignmentFactory, DistrictFactory, DistrictReportFactory, UserFactory, VillageFactory
from tests.reports.pages import csv_table

ON_TIME = timezone.make_aware(datetime.datetime(2019, 10, 15, 22, 0))  # the deadline day, evening in Phnom Penh
LATE = timezone.make_aware(datetime.datetime(2019, 10, 20, 9, 0))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def counts(row):
    return (row.expected, row.submitted, row.on_time, row.approved)


def submitted_at(report, moment):
    DistrictReport.objects.filter(pk=report.pk).update(submitted_at=moment)


@pytest.fixture
def quarter(world, q3, report, dso_a, dso_b, reviewer_p):
    """A approved (on time), B submitted late, C missing."""
    workflow.submit_report(report=report, by=dso_a)
    workflow.approve_report(report=report, by=reviewer_p)
    submitted_at(report, ON_TIME)
    report_b = DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b)
    workflow.submit_report(report=report_b, by=dso_b)
    submitted_at(report_b, LATE)
    return {"a": report, "b": report_b}


def all_provinces():
    return Province.objects.order_by("code")


def test_district_rows_give_each_districts_own_state(world, q3, quarter):
    rows = completeness.districts_of(q3, all_provinces())

    assert [(row.unit.code, counts(row)) for row in rows] == [
        ("0501", (1, 1, 0, 0)),
        ("0508", (1, 1, 1, 1)),
        ("2501", (1, 0, 0, 0)),
    ]
    assert [row.status for row in rows] == ["Submitted", "Approved", ""]


def test_province_rows_and_total_give_dhis2_rates(world, q3, quarter):
    provinces = completeness.provinces_of(completeness.districts_of(q3, all_provinces()))

    p, q = provinces
    assert (p.unit, counts(p), p.reporting_rate, p.on_time_rate) == (world.province_p, (2, 2, 1, 1), 100.0, 50.0)
    assert (q.unit, counts(q), q.reporting_rate, q.on_time_rate) == (world.province_q, (1, 0, 0, 0), 0.0, 0.0)
    total = completeness.total_of(provinces)
    assert counts(total) == (3, 2, 1, 1)
    assert total.reporting_rate == pytest.approx(200 / 3)
    assert total.on_time_rate == pytest.approx(100 / 3)


def test_rates_over_nothing_expected_are_undefined(world, q3):
    total = completeness.total_of([])
    assert counts(total) == (0, 0, 0, 0)
    assert total.reporting_rate is None and total.on_time_rate is None


def test_returned_report_does_not_count_as_submitted(world, q3, quarter, reviewer_p):
    workflow.return_report(report=quarter["b"], by=reviewer_p, comments=[("", "", "Recount.")])

    p, _q = completeness.provinces_of(completeness.districts_of(q3, all_provinces()))

    assert counts(p) == (2, 1, 1, 1)


def test_draft_and_reopened_reports_do_not_count_as_submitted(world, q3, quarter, reviewer_p):
    workflow.reopen_report(report=quarter["a"], by=reviewer_p, reason="Recount.")

    rows = {row.unit.code: counts(row) for row in completeness.districts_of(q3, all_provinces())}

    assert rows["0508"] == (1, 0, 0, 0)


def test_submission_just_after_midnight_local_time_is_late(world, q3, quarter):
    # 20:00 UTC on the deadline is 03:00 the next day in Phnom Penh.
    submitted_at(quarter["a"], datetime.datetime(2019, 10, 15, 20, 0, tzinfo=datetime.UTC))

    rows = {row.unit.code: counts(row) for row in completeness.districts_of(q3, all_provinces())}

    assert rows["0508"] == (1, 1, 0, 1)


def test_district_retired_before_the_quarter_is_not_expected(world, q3, quarter):
    DistrictFactory(province=world.province_p, code="0505", name_latin="Odongk", retired_on=datetime.date(2019, 6, 30))
    DistrictFactory(
        province=world.province_p,
        code="0506",
        name_latin="Retired on the first day",
        retired_on=datetime.date(2019, 7, 1),
    )
    DistrictFactory(
        province=world.province_p, code="0507", name_latin="Retired in August", retired_on=datetime.date(2019, 8, 15)
    )

    rows = completeness.districts_of(q3, [world.province_p])

    assert [row.unit.code for row in rows] == ["0501", "0507", "0508"]  # 0507 still had to report for Q3
    assert counts(completeness.total_of(rows)) == (3, 2, 1, 1)


def test_commune_rows_count_complete_communes_only(world, q3, quarter):
    # A village added to commune A2 after A's report was approved: A2 is no longer complete.
    VillageFactory(commune=world.commune_a2, code="05080203")
    # A village of A1 retired before the quarter is not expected.
    VillageFactory(commune=world.commune_a1, code="05080109", retired_on=datetime.date(2019, 3, 31))

    rows = completeness.communes_of(q3, world.district_a)

    assert [(row.unit.code, counts(row)) for row in rows] == [("050801", (1, 1, 1, 1)), ("050802", (1, 0, 0, 0))]
    assert counts(completeness.total_of(rows)) == (2, 1, 1, 1)


def test_commune_without_its_activities_is_not_complete(world, q3, quarter):
    CommuneQuarter.objects.filter(report=quarter["a"], commune=world.commune_a1).update(cwg_meetings=None)
    VillageQuarter.objects.filter(report=quarter["a"], village__code="05080201").update(odf_status="")

    rows = completeness.communes_of(q3, world.district_a)

    assert [counts(row) for row in rows] == [(1, 0, 0, 0), (1, 0, 0, 0)]


def test_communes_of_a_district_without_a_report(world, q3, quarter):
    rows = completeness.communes_of(q3, world.district_c)

    assert [counts(row) for row in rows] == [(1, 0, 0, 0), (1, 0, 0, 0)]


def test_communes_of_a_late_district_are_late(world, q3, quarter):
    rows = completeness.communes_of(q3, world.district_b)

    assert [counts(row) for row in rows] == [(1, 1, 0, 0), (1, 1, 0, 0)]


# --- The page --------------------------------------------------------------------------------------


def table(page, marker):
    """The rows of the table whose opening tag contains `marker`, as lists of cell texts."""
    start = page.index(marker)
    body = page[start : page.index("</table>", start)]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ][1:]  # without the header


def district_tables(page):
    return [
        table(page[m.start() :], "district-completeness")
        for m in re.finditer(r'<table class="table table-sm bg-white district-completeness">', page)
    ]


def completeness_url(query=""):
    return reverse("reports:completeness", args=[2019, 3]) + query


def test_mrd_sees_every_province_and_district(quarter, client_for, mrd, django_assert_max_num_queries):
    client = client_for(mrd)

    with django_assert_max_num_queries(12):
        page = client.get(completeness_url()).content.decode()

    assert table(page, 'id="province-completeness"') == [
        ["Kampong Speu", "2", "2", "1", "1", "100%", "50%"],
        ["Tbong Khmum", "1", "0", "0", "0", "0%", "0%"],
        ["Total", "3", "2", "1", "1", "67%", "33%"],
    ]
    assert district_tables(page) == [
        [
            ["Basedth", "Submitted", "1", "1", "0", "0", "100%", "0%"],
            ["Thpong", "Approved", "1", "1", "1", "1", "100%", "100%"],
        ],
        [["Dambae", "—", "1", "0", "0", "0", "0%", "0%"]],
    ]


def test_reviewer_sees_only_their_province(quarter, client_for, reviewer_p):
    page = client_for(reviewer_p).get(completeness_url()).content.decode()

    assert 'id="province-completeness"' not in page  # one province: its district table says it all
    assert district_tables(page) == [
        [
            ["Basedth", "Submitted", "1", "1", "0", "0", "100%", "0%"],
            ["Thpong", "Approved", "1", "1", "1", "1", "100%", "100%"],
        ]
    ]
    assert "Dambae" not in page and "Tbong Khmum" not in page


def test_dso_sees_their_districts_communes(world, quarter, client_for, dso_a):
    VillageFactory(commune=world.commune_a2, code="05080203")

    page = client_for(dso_a).get(completeness_url()).content.decode()

    names = [world.commune_a1.name_latin, world.commune_a2.name_latin]
    assert table(page, 'id="commune-completeness"') == [
        [names[0], "1", "1", "1", "1", "100%", "100%"],
        [names[1], "1", "0", "0", "0", "0%", "0%"],
        ["Total", "2", "1", "1", "1", "50%", "50%"],
    ]
    assert "Basedth" not in page


def test_reviewer_opens_a_districts_communes(quarter, client_for, reviewer_p, world):
    page = client_for(reviewer_p).get(completeness_url("?district=0501")).content.decode()

    assert table(page, 'id="commune-completeness"')[-1] == ["Total", "2", "2", "0", "0", "100%", "0%"]


def test_pa_viewer_of_another_province_sees_none_of_p(quarter, client_for, world):
    pa_q = UserFactory(username="pa_q")
    AssignmentFactory(user=pa_q, role=Role.PA_VIEWER, province=world.province_q)

    page = client_for(pa_q).get(completeness_url()).content.decode()

    assert district_tables(page) == [[["Dambae", "—", "1", "0", "0", "0", "0%", "0%"]]]
    assert client_for(pa_q).get(completeness_url("?district=0508")).status_code == 404


def test_the_reviewers_table_downloads_as_csv_and_xlsx_with_the_same_numbers(quarter, client_for, reviewer_p):
    import io

    import openpyxl

    client = client_for(reviewer_p)
    response = client.get(completeness_url("?download=csv"))
    assert 'filename="drssd-completeness-2019Q3-districts.csv"' in response["Content-Disposition"]
    about, rows = csv_table(response.content)
    assert about == {"Unit": "Every district you may read", "Quarter": "Q3 2019",
                     "Data": "Reports as they stand now (submitted or approved count as submitted)",
                     "Deadline": "15/10/2019"}  # fmt: skip
    assert rows == [
        ["Province", "District", "Status", "Expected", "Submitted", "On time", "Approved", "Reporting rate",
         "On-time rate"],
        ["Kampong Speu", "Basedth", "Submitted", "1", "1", "0", "0", "100.0", "0.0"],
        ["Kampong Speu", "Thpong", "Approved", "1", "1", "1", "1", "100.0", "100.0"],
    ]  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(client.get(completeness_url("?download=xlsx")).content))
    values = [[value for value in row if value is not None] for row in book.active.iter_rows(values_only=True)]
    assert values[0] == ["Unit", "Every district you may read"] and values[1] == ["Quarter", "Q3 2019"]
    assert values[-1] == ["Kampong Speu", "Thpong", "Approved", 1, 1, 1, 1, 100, 100]
    assert "Dambae" not in str(values)  # province Q: out of the reviewer's reach, as on the page


def test_a_dso_downloads_their_districts_communes(world, quarter, client_for, dso_a):
    import io

    import openpyxl

    response = client_for(dso_a, "km").get(completeness_url("?download=xlsx"))
    values = [
        list(row) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    ]
    assert values[0][0] == "អង្គភាព" and "ថ្ពង (0508)" in values[0][1]  # in Khmer
    assert values[-1][0] == "សរុប" and values[-1][1:5] == [2, 2, 2, 2]  # both communes complete
