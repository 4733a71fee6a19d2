"""A reviewer's comment names its figure in the reader's language: the reviewer returns the report in English,
the DSO reads the comment in Khmer on the report page, the commune page and the history (the e-mail:
test_notifications.py); the label the reviewer's page wrote is kept only as a fallback.
"""

import pytest
from django.utils import translation

from reports.models import ReviewComment, VillageQuarter
from reports.review import workflow
from tests.factories import DistrictReportFactory
from tests.reports.pages import html
from tests.reports.review.pages import VILLAGE, A, return_post, submit, url

ENGLISH_LABEL = f"{VILLAGE} Test Village {VILLAGE} (Test Commune 050801) — households in total"
COMMENT = "Last quarter you had 120 households."


def khmer_label():
    with translation.override("km"):
        figure = str(VillageQuarter._meta.get_field("households_total").verbose_name)
    return f"{VILLAGE} ភូមិសាកល្បង {VILLAGE} (ឃុំសាកល្បង 050801) — {figure}"


@pytest.fixture
def returned_in_english(report, client_for, dso_a, reviewer_p):
    """District A's report, returned by a reviewer working in English with a comment on one village figure."""
    submit(report, dso_a)
    response = client_for(reviewer_p, "en").post(
        url("return"), return_post(("village:households_total", VILLAGE, COMMENT))
    )
    assert response.status_code == 302
    assert ReviewComment.objects.get().label_as_written == ENGLISH_LABEL
    return report


@pytest.mark.parametrize(
    "page", [url("report"), url("commune", A, 2019, 3, "050801"), url("history")], ids=["report", "commune", "history"]
)
def test_a_khmer_reader_sees_the_figure_named_in_khmer(returned_in_english, client_for, dso_a, page):
    content = html(client_for(dso_a, "km").get(page))

    assert COMMENT in content
    assert khmer_label() in content
    assert ENGLISH_LABEL not in content and "households in total" not in content


@pytest.mark.parametrize(
    "page", [url("report"), url("commune", A, 2019, 3, "050801"), url("history")], ids=["report", "commune", "history"]
)
def test_an_english_reader_sees_the_figure_named_in_english(returned_in_english, client_for, dso_a, page):
    content = html(client_for(dso_a, "en").get(page))

    assert f"<strong>{ENGLISH_LABEL}:</strong> {COMMENT}" in content


def test_the_reviewer_page_in_khmer_names_the_figure_in_khmer_too(returned_in_english, client_for, reviewer_p):
    content = html(client_for(reviewer_p, "km").get(url("report")))

    assert khmer_label() in content and ENGLISH_LABEL not in content


def test_report_page_queries_do_not_grow_with_the_comments_on_figures(
    world, q3, dso_a, reviewer_p, client_for, django_assert_max_num_queries
):
    def page_queries(villages):
        report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)
        submit(report, dso_a)
        codes = [v.code for v in world.commune_a1.villages.order_by("code")][:villages]
        comments = [(f"village:{code}:households_total", "", f"Recount {code}.") for code in codes]
        comments.append(("commune:050802:cwg_meetings", "", "Minutes?"))
        workflow.return_report(report=report, by=reviewer_p, comments=comments)
        client = client_for(dso_a)
        with django_assert_max_num_queries(100) as captured:
            assert client.get(url("report")).status_code == 200
        report.delete()
        return len(captured.captured_queries)

    assert page_queries(2) == page_queries(1)
