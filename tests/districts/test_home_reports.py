"""What the home and commune pages say about reports: a DSO's reports returned for correction come first on the
home page; a commune focal point sees, for each quarter the commune works on, the state of the district's report,
and an approved report's figures are offered read only, not for entry.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from reports.review import workflow
from tests.factories import CommuneQuarterFactory, DistrictReportFactory, ReportingPeriodFactory
from tests.reports.pages import html

COMMENTS = [
    ("village:05080101:households_total", "", "Recount the households."),
    ("district:ft_received", "", "The bank says 900 USD."),
    ("", "", "Attach the minutes."),
]


@pytest.fixture
def q3(db):
    return ReportingPeriodFactory(year=2019, quarter=3)  # open, due 15 October


@pytest.fixture
def q2(db):
    return ReportingPeriodFactory(year=2019, quarter=2, is_open=False)


def short_date(day):
    """The date as the page shows it: a moment in the portal's time zone (Phnom Penh), in English."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day)
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def home(client):
    return html(client.get(reverse("home")))


def returned_section(page):
    match = re.search(r'<section [^>]*id="returned-reports".*?</section>', page, re.S)
    return match and match.group(0)


@pytest.fixture
def returned(world, q3, dso_a, reviewer_p):
    """District A's Q3 report, returned twice: once with one comment, then (after resubmission) with three."""
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)
    workflow.submit_report(report=report, by=dso_a)
    workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "First round.")])
    workflow.submit_report(report=report, by=dso_a)
    workflow.return_report(report=report, by=reviewer_p, comments=COMMENTS)
    report.refresh_from_db()
    return report


# --- The DSO's home: reports returned for correction ------------------------------------------------


def test_a_dsos_returned_report_comes_first_on_the_home_page(returned, client_for, dso_a):
    page = home(client_for(dso_a))

    section = returned_section(page)
    assert section, "no returned-reports section"
    assert page.index('id="returned-reports"') < page.index("Welcome")  # before anything else
    assert "Returned for correction" in section
    assert f'href="{returned.get_absolute_url()}"' in section and "Q3 2019 — Thpong" in section
    assert "3 comments to answer" in section  # the last return's comments, not the first round's


def test_one_open_comment_is_counted_in_the_singular(world, q3, dso_a, reviewer_p, client_for):
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)
    workflow.submit_report(report=report, by=dso_a)
    workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Recount.")])

    assert "1 comment to answer" in returned_section(home(client_for(dso_a)))


def test_the_report_leaves_the_home_page_once_submitted_again(returned, client_for, dso_a):
    workflow.submit_report(report=returned, by=dso_a)

    assert returned_section(home(client_for(dso_a))) is None


@pytest.mark.parametrize("persona", ["dso_b", "reviewer_p", "pa_p", "mrd", "focal_a1"])
def test_no_one_else_sees_the_returned_report_on_their_home(returned, client_for, request, persona):
    page = home(client_for(request.getfixturevalue(persona)))

    assert returned_section(page) is None and "comments to answer" not in page


def test_drafts_submitted_and_approved_reports_are_not_listed_as_returned(world, q2, q3, dso_a, client_for):
    DistrictReportFactory(district=world.district_a, period=q3)
    DistrictReportFactory(district=world.district_a, period=q2, approved=True)

    assert returned_section(home(client_for(dso_a))) is None


def test_an_anonymous_visitor_is_sent_to_log_in(client_for, world):
    response = client_for(None).get(reverse("home"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- The commune focal point: the district report's state ------------------------------------------


def quarters_of(page):
    """{quarter: row HTML} of the commune's quarters table (the first one on the page)."""
    table = page[page.index("commune-quarters") :]
    table = table[: table.index("</table>")]
    return dict(re.findall(r'<tr class="commune-quarter" data-quarter="([^"]+)">(.*?)</tr>', table, re.S))


@pytest.fixture
def commune_url(world):
    return reverse("districts:commune", args=[world.commune_a1.code])


def commune_entry_url(quarter=3):
    return reverse("reports:commune", args=["0508", 2019, quarter, "050801"])


def test_an_open_quarter_not_started_offers_data_entry(world, q3, client_for, focal_a1, commune_url):
    rows = quarters_of(html(client_for(focal_a1).get(commune_url)))

    assert list(rows) == ["2019-q3"]
    assert "Not started" in rows["2019-q3"]
    assert "Enter data" in rows["2019-q3"] and f'href="{commune_entry_url()}"' in rows["2019-q3"]


@pytest.mark.parametrize(
    "trait, status, action",
    [
        ({}, "Draft", "Enter data"),
        ({"returned": True}, "Returned for correction", "Enter data"),
        ({"submitted": True}, "Submitted", "View (read only)"),
        ({"approved": True}, "Approved", "View (read only)"),
    ],
)
def test_each_state_of_the_district_report_is_shown_with_its_date(
    world, q3, client_for, focal_a1, commune_url, trait, status, action
):
    report = DistrictReportFactory(district=world.district_a, period=q3, **trait)

    for page in (html(client_for(focal_a1).get(commune_url)), home(client_for(focal_a1))):
        row = quarters_of(page)["2019-q3"]
        assert status in row and action in row
        since = report.approved_at or report.submitted_at or report.created_at
        assert short_date(since) in row
        if action != "Enter data":
            assert "Enter data" not in row


def test_the_quarters_the_commune_entered_are_listed_with_the_open_one(world, q2, q3, client_for, focal_a1):
    """Q2 is closed: it is listed because the commune has figures in it; Q1 (no figures) is not."""
    q2_report = DistrictReportFactory(district=world.district_a, period=q2, approved=True)
    CommuneQuarterFactory(report=q2_report, commune=world.commune_a1)
    q1 = DistrictReportFactory(
        district=world.district_a, period__year=2019, period__quarter=1, period__is_open=False, approved=True
    )
    CommuneQuarterFactory(report=q1, commune=world.commune_a2)  # another commune's figures

    rows = quarters_of(home(client_for(focal_a1)))

    assert list(rows) == ["2019-q3", "2019-q2"]
    assert "Approved" in rows["2019-q2"] and "View (read only)" in rows["2019-q2"]
    assert f'href="{commune_entry_url(2)}"' in rows["2019-q2"]


def test_the_approved_reports_link_leads_to_a_page_labelled_read_only(world, q3, client_for, focal_a1, reviewer_p):
    report = DistrictReportFactory(district=world.district_a, period=q3, approved=True)

    page = html(client_for(focal_a1).get(commune_entry_url()))

    assert 'id="read-only-badge"' in page
    notice = re.search(r'<div [^>]*id="read-only-notice".*?</div>', page, re.S).group(0)
    assert f"The district report was approved on {short_date(report.approved_at)}" in notice
    assert "Read only" in notice
    assert "Save draft" not in page


def test_an_editable_commune_page_is_not_labelled_read_only(world, q3, client_for, focal_a1):
    DistrictReportFactory(district=world.district_a, period=q3)

    page = html(client_for(focal_a1).get(commune_entry_url()))

    assert 'id="read-only-badge"' not in page and 'id="read-only-notice"' not in page and "Save draft" in page


def test_a_reader_who_cannot_enter_data_is_offered_the_page_read_only(world, q3, client_for, pa_p, commune_url):
    DistrictReportFactory(district=world.district_a, period=q3)

    row = quarters_of(html(client_for(pa_p).get(commune_url)))["2019-q3"]

    assert "Draft" in row and "View (read only)" in row and "Enter data" not in row


def test_a_focal_point_cannot_open_another_communes_page(world, q3, client_for, focal_a1):
    assert client_for(focal_a1).get(reverse("districts:commune", args=["050802"])).status_code == 404


def test_the_state_of_another_district_is_not_shown(world, q3, client_for, focal_a1, commune_url):
    DistrictReportFactory(district=world.district_b, period=q3, approved=True)

    row = quarters_of(html(client_for(focal_a1).get(commune_url)))["2019-q3"]

    assert "Not started" in row and "Approved" not in row


def test_commune_page_queries_do_not_grow_with_quarters(
    world, client_for, focal_a1, commune_url, django_assert_max_num_queries
):
    for quarter in (1, 2, 3, 4):
        report = DistrictReportFactory(
            district=world.district_a, period__year=2018, period__quarter=quarter, period__is_open=False, approved=True
        )
        CommuneQuarterFactory(report=report, commune=world.commune_a1)
    client = client_for(focal_a1)

    # session, user, commune, can write, can read district, villages, the menu's two (roles, current quarter);
    # the quarters: open ones, those with the commune's figures, their district reports
    with django_assert_max_num_queries(11):
        rows = quarters_of(html(client.get(commune_url)))

    assert len(rows) == 4 and all("Approved" in row for row in rows.values())
