"""The Provincial Administration's copy of its province's district reports (reports:provincial_inbox): what
is listed, in which order, who may open it, and how the Provincial Administration gets there.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from reports.models import ReportEvent, ReportStatus, WorkflowAction
from tests.factories import DistrictReportFactory, ReportingPeriodFactory
from tests.reports.pages import html
from tests.reports.review.pages import login_redirect, url


def inbox_url(province="05"):
    return reverse("reports:provincial_inbox", args=[province])


def short_date(day):
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def rows(page):
    """The inbox's rows, each as the text between its <tr> tags."""
    table = page[page.index('id="inbox"') : page.index("</table>", page.index('id="inbox"'))]
    return table.split('<tr class="inbox-report"')[1:]


@pytest.fixture
def sent(world, q2, q3):
    """Province P: A's Q3 submitted, A's Q2 approved, B's Q3 a draft and B's Q2 returned; province Q: C's Q3
    submitted."""
    return {
        "a_q3": DistrictReportFactory(district=world.district_a, period=q3, submitted=True),
        "a_q2": DistrictReportFactory(district=world.district_a, period=q2, approved=True),
        "b_q3": DistrictReportFactory(district=world.district_b, period=q3),
        "b_q2": DistrictReportFactory(district=world.district_b, period=q2, returned=True),
        "c_q3": DistrictReportFactory(district=world.district_c, period=q3, submitted=True),
    }


def test_the_inbox_lists_the_provinces_submitted_and_approved_reports_latest_first(sent, client_for, pa_p):
    page = html(client_for(pa_p).get(inbox_url()))

    listed = rows(page)
    assert len(listed) == 2
    q3_row, q2_row = listed
    assert "Q3 2019" in q3_row and "Thpong" in q3_row and "Submitted" in q3_row
    assert "Q2 2019" in q2_row and "Thpong" in q2_row and "Approved" in q2_row
    assert "Basedth" not in page  # a draft and a returned report are with the district, not sent
    assert "Dambae" not in page  # another province


def test_each_row_gives_the_submitted_day_the_read_only_page_and_the_pdf(sent, client_for, pa_p):
    q3_row = rows(html(client_for(pa_p).get(inbox_url())))[0]

    assert short_date(datetime.date(2019, 10, 15)) in q3_row  # first submitted on the deadline day
    assert f'href="{url("report")}"' in q3_row
    pdf = reverse("reports:pdf_district", args=["0508", 2019, 3])
    assert f'href="{pdf}?lang=km"' in q3_row and f'href="{pdf}?lang=en"' in q3_row


def test_a_report_sent_again_after_a_return_moves_to_the_top(world, sent, client_for, pa_p):
    later = ReportingPeriodFactory(year=2019, quarter=1, is_open=False)
    old = DistrictReportFactory(district=world.district_b, period=later, submitted=True)
    ReportEvent.objects.create(
        report=old,
        action=WorkflowAction.SUBMITTED,
        from_status=ReportStatus.RETURNED,
        to_status=ReportStatus.SUBMITTED,
        at=timezone.now(),
        round=2,
    )

    first = rows(html(client_for(pa_p).get(inbox_url())))[0]

    assert "Q1 2019" in first and "Basedth" in first
    assert short_date(timezone.localdate()) in first  # the day it was sent again


def test_the_pa_opens_a_listed_report_read_only(sent, client_for, pa_p):
    response = client_for(pa_p).get(url("report"))

    assert response.status_code == 200
    page = html(response)
    for control in ('id="submit-report"', 'id="approve-report"', 'id="return-report"', 'id="reopen-report"'):
        assert control not in page


@pytest.mark.parametrize(
    "persona, province, status",
    [
        ("pa_p", "05", 200),
        ("reviewer_p", "05", 200),  # the PDRD reads what it was sent
        ("mrd", "05", 200),
        ("pa_p", "25", 404),  # another province
        ("reviewer_p", "25", 404),
        ("dso_a", "05", 404),  # a district's officer does not read the province
        ("focal_a1", "05", 404),
        ("pa_p", "99", 404),  # no such province
    ],
)
def test_who_may_open_the_inbox(sent, client_for, request, persona, province, status):
    response = client_for(request.getfixturevalue(persona)).get(inbox_url(province))

    assert response.status_code == status
    if status == 404:
        assert "Thpong" not in html(response) and "Dambae" not in html(response)


def test_an_anonymous_visitor_is_sent_to_log_in(sent, client_for):
    response = client_for(None).get(inbox_url())

    assert response.status_code == 302 and response.url == login_redirect(inbox_url())


def test_a_province_with_nothing_sent_says_so(world, client_for, pa_p):
    page = html(client_for(pa_p).get(inbox_url()))

    assert rows(page) == [] and "No district of the province has sent a report yet." in page


def test_the_pa_reaches_the_inbox_from_its_home_page_and_the_menu(world, client_for, pa_p, reviewer_p, dso_a):
    link = f'href="{inbox_url()}"'
    home = html(client_for(pa_p).get(reverse("home")))
    assert home.count(link) == 2  # the menu and the province's card
    other_page = html(client_for(pa_p).get(reverse("districts:province", args=["05"])))
    assert link in other_page  # the menu, on every page
    for user in (reviewer_p, dso_a):
        assert link not in html(client_for(user).get(reverse("home")))


def test_the_inbox_pages_long_lists_in_a_fixed_number_of_queries(
    world, client_for, pa_p, django_assert_max_num_queries
):
    for year in range(2011, 2019):
        for quarter in (1, 2, 3, 4):
            period = ReportingPeriodFactory(year=year, quarter=quarter, is_open=False)
            DistrictReportFactory(district=world.district_a, period=period, approved=True)
            DistrictReportFactory(district=world.district_b, period=period, submitted=True)
    client = client_for(pa_p)

    # session, user, province, count, page of reports, the menu's roles and current quarter
    with django_assert_max_num_queries(8):
        first = html(client.get(inbox_url()))
    second = html(client.get(inbox_url(), {"page": 2}))

    assert len(rows(first)) == 50 and len(rows(second)) == 14
    assert "Page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' in second
    assert "Q4 2018" in rows(first)[0] and "Q1 2011" in rows(second)[-1]
