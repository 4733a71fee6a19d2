"""The review pages through the test client: submit, the review queue, approve/return/reopen, the history,
the provincial report and the completeness table — who may use them, what they change, and that a
submitted or approved report cannot be changed through any edit page.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import (
    CommuneQuarter,
    ReportEvent,
    ReportStatus,
    ReviewComment,
    VillageQuarter,
    WorkflowAction,
)
from reports.review import workflow
from tests.factories import DistrictReportFactory
from tests.reports.pages import commune_post, district_post, good_village, html
from tests.reports.review.pages import (
    VILLAGE,
    A,
    approve,
    completeness_url,
    flashed,
    login_redirect,
    provincial_url,
    return_post,
    stored,
    submit,
    url,
    village_row,
)

# --- Locking: a submitted or approved report cannot be changed through any edit page ------------


def edit_posts(report):
    """Every POST a DSO can make to change the report's data: both commune pages and the district section."""
    posts = []
    for commune in ("050801", "050802"):
        version = CommuneQuarter.objects.get(report=report, commune__code=commune).version
        posts.append(
            (url("commune", A, 2019, 3, commune), commune_post([good_village(150), good_village(60)], version=version))
        )
    posts.append(
        (url("district_section"), district_post(version=report.version, achievements="Changed.", ft_received="2000.00"))
    )
    return posts


@pytest.mark.parametrize("state", [ReportStatus.SUBMITTED, ReportStatus.APPROVED])
def test_dso_cannot_change_a_submitted_or_approved_report_through_any_edit_page(
    report, client_for, dso_a, reviewer_p, state
):
    submit(report, dso_a)
    if state == ReportStatus.APPROVED:
        workflow.approve_report(report=report, by=reviewer_p)
    report.refresh_from_db()
    before = stored(report)
    client = client_for(dso_a)

    for path, data in edit_posts(report):
        assert client.post(path, data).status_code == 403, path
    response = client.post(url("submit"), follow=True)

    assert any(m.startswith("This report was already ") and " by " in m for m in flashed(response))
    assert stored(report) == before


def test_the_same_posts_do_change_a_returned_report(report, client_for, dso_a, reviewer_p):
    """The control for the lock tests above: those POSTs are real edits once the report is back with the DSO."""
    submit(report, dso_a)
    workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Recount.")])
    report.refresh_from_db()
    client = client_for(dso_a)

    for path, data in edit_posts(report):
        assert client.post(path, data).status_code == 302, path

    report.refresh_from_db()
    assert report.achievements == "Changed." and str(report.ft_received) == "2000.00"
    assert VillageQuarter.objects.get(report=report, village__code=VILLAGE).households_total == 150


def test_commune_focal_point_cannot_change_an_approved_report(report, client_for, dso_a, reviewer_p, focal_a1):
    approve(report, dso_a, reviewer_p)
    before = stored(report)
    version = CommuneQuarter.objects.get(report=report, commune__code="050801").version

    response = client_for(focal_a1).post(
        url("commune", A, 2019, 3, "050801"), commune_post([good_village(150), good_village(60)], version=version)
    )

    assert response.status_code == 403
    assert stored(report) == before


def test_approved_report_pages_are_read_only_for_the_dso(report, client_for, dso_a, reviewer_p):
    approve(report, dso_a, reviewer_p)
    client = client_for(dso_a)

    commune_page = html(client.get(url("commune", A, 2019, 3, "050801")))
    section_page = html(client.get(url("district_section")))
    report_page = html(client.get(url("report")))

    for page in (commune_page, section_page):
        assert "Read only" in page and "Save draft" not in page
    assert 'name="villages-0-households_total"' in commune_page and "disabled" in village_row(commune_page, VILLAGE)
    assert 'id="submit-report"' not in report_page


# --- Submit ---------------------------------------------------------------------------------------


def test_dso_submits_and_is_told_so(report, client_for, dso_a):
    response = client_for(dso_a).post(url("submit"))

    assert response.status_code == 302 and response.url == url("report")
    page = client_for(dso_a).get(response.url)
    assert "Submitted to the PDRD" in " ".join(flashed(page))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_submitting_an_incomplete_report_lists_what_is_missing(report, client_for, dso_a):
    report.achievements = ""
    report.save()
    before = stored(report)

    response = client_for(dso_a).post(url("submit"), follow=True)

    messages = flashed(response)
    assert "The report was not submitted:" in messages
    assert "District section: Narrative is not filled in." in messages
    assert stored(report) == before


@pytest.mark.parametrize(
    "persona, status", [("dso_b", 404), ("reviewer_q", 404), ("pa_p", 403), ("reviewer_p", 403), ("mrd", 403)]
)
def test_only_the_dso_can_submit_through_the_page(report, client_for, persona, status, request):
    before = stored(report)

    response = client_for(request.getfixturevalue(persona)).post(url("submit"))

    assert response.status_code == status
    assert stored(report) == before


@pytest.mark.parametrize("name", ["submit", "approve", "return", "reopen"])
def test_anonymous_post_to_a_workflow_action_goes_to_the_login(report, client_for, name):
    before = stored(report)

    response = client_for(None).post(url(name))

    assert response.status_code == 302 and response.url == login_redirect(url(name))
    assert stored(report) == before


# --- The review queue -------------------------------------------------------------------------------


def test_review_queue_lists_the_provinces_submitted_reports_oldest_first(
    world, q3, report, client_for, dso_a, dso_b, dso_c, reviewer_p, django_assert_max_num_queries
):
    submit(report, dso_a)
    submit(DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b), dso_b)
    submit(DistrictReportFactory(district=world.district_c, period=q3, complete=True, by=dso_c), dso_c)
    # A has waited three days, B one: A first although it was submitted first here anyway; swap to prove order.
    now = timezone.now()
    ReportEvent.objects.filter(report__district=world.district_a).update(at=now - datetime.timedelta(days=1))
    ReportEvent.objects.filter(report__district=world.district_b).update(at=now - datetime.timedelta(days=3))
    client = client_for(reviewer_p)

    with django_assert_max_num_queries(15):
        page = html(client.get(reverse("reports:review_queue")))

    queue = page[page.index('id="queue"') :]
    assert queue.index("Basedth") < queue.index("Thpong")
    assert "Dambae" not in queue
    assert url("report", "0501") in queue and url("report", A) in queue


def test_review_queue_leaves_out_drafts_and_approved_reports(world, q3, report, client_for, dso_a, dso_b, reviewer_p):
    approve(report, dso_a, reviewer_p)
    DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b)  # draft

    page = html(client_for(reviewer_p).get(reverse("reports:review_queue")))

    queue = page[page.index('id="queue"') :]
    assert "Thpong" not in queue and "Basedth" not in queue
    assert "No report is waiting for review." in queue


@pytest.mark.parametrize(
    "persona, status", [("dso_a", 403), ("pa_p", 403), ("mrd", 403), ("reviewer_q", 200), (None, 302)]
)
def test_review_queue_is_for_reviewers(world, client_for, persona, status, request):
    user = request.getfixturevalue(persona) if persona else None

    response = client_for(user).get(reverse("reports:review_queue"))

    assert response.status_code == status
    if user is None:
        assert response.url == login_redirect(reverse("reports:review_queue"))


# --- Approve, return, reopen ------------------------------------------------------------------------

CONFIRM = {"confirm": "yes"}  # what the confirmation's form posts


def test_reviewer_approves_through_the_page(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)

    response = client_for(reviewer_p).post(url("approve"), CONFIRM)

    assert response.status_code == 302 and response.url == url("report")
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.approved_by == reviewer_p


ACTIONS = {
    "approve": CONFIRM,
    "return": return_post(("", "", "Looks wrong.")),
    "reopen": {"reopen-reason": "Recount.", **CONFIRM},
}


@pytest.mark.parametrize("name", list(ACTIONS))
@pytest.mark.parametrize(
    "persona, statuses",
    [("dso_a", (403,)), ("pa_p", (403,)), ("mrd", (403,)), ("focal_a1", (404,)), ("reviewer_q", (404,))],
)
def test_others_cannot_approve_return_or_reopen(
    report, client_for, dso_a, reviewer_p, name, persona, statuses, request
):
    if name == "reopen":
        approve(report, dso_a, reviewer_p)
    else:
        submit(report, dso_a)
    before = stored(report)

    response = client_for(request.getfixturevalue(persona)).post(url(name), ACTIONS[name])

    assert response.status_code in statuses
    assert stored(report) == before


def test_return_comment_on_a_village_figure_is_shown_next_to_that_figure(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)

    response = client_for(reviewer_p).post(
        url("return"),
        return_post(
            ("village:households_total", VILLAGE, "Last quarter you had 120 households."),
            ("", "", "Please check the other villages too."),
        ),
    )

    assert response.status_code == 302 and response.url == url("report")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    comments = list(ReviewComment.objects.filter(report=report).values_list("round", "target", "text"))
    assert comments == [
        (1, f"village:{VILLAGE}:households_total", "Last quarter you had 120 households."),
        (1, "", "Please check the other villages too."),
    ]
    label = ReviewComment.objects.get(target__startswith="village").target_label
    assert VILLAGE in label

    page = html(client_for(dso_a).get(url("commune", A, 2019, 3, "050801")))
    row = village_row(page, VILLAGE)
    cell = next(c for c in row.split("<td")[1:] if 'name="villages-0-households_total"' in c)
    assert "has-comment" in cell  # the figure is marked, the comment is on the line under the village
    assert "<strong>Households in total:</strong> Last quarter you had 120 households." in row
    assert "Last quarter you had 120 households." not in village_row(page, "05080102")
    assert "Please check the other villages too." in page  # the general comment, above the table
    assert "Read only" not in page  # returned: the DSO can correct it


def test_return_comment_on_a_district_figure_is_shown_on_the_district_section(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)
    client_for(reviewer_p).post(url("return"), return_post(("district:ft_received", "", "The bank says 900 USD.")))

    assert ReviewComment.objects.get().target == "district:ft_received"
    page = html(client_for(dso_a).get(url("district_section")))
    field = page.index('name="district-ft_received"')
    assert page.index("The bank says 900 USD.", field) < page.index('name="district-spent_meetings"')


@pytest.mark.parametrize(
    "rows, error",
    [
        ([], "Write at least one comment so the district knows what to correct."),
        ([("", "", "   ")], "Write at least one comment so the district knows what to correct."),
        ([("village:households_total", "", "No village chosen.")], "Choose the village this figure belongs to."),
        ([("village:households_total", VILLAGE, "")], "Write the comment, or clear the figure."),
        (
            [("village:households_total", "05010101", "A village of district B.")],
            "Choose the village this figure belongs to.",
        ),
        (
            [("commune:cwg_meetings", VILLAGE, "A village is not a commune.")],
            "Choose the commune or village this figure belongs to.",
        ),
    ],
)
def test_return_without_a_usable_comment_shows_the_form_again_and_changes_nothing(
    report, client_for, dso_a, reviewer_p, rows, error
):
    submit(report, dso_a)
    before = stored(report)

    response = client_for(reviewer_p).post(url("return"), return_post(*rows))

    assert response.status_code == 200
    page = html(response)
    assert 'id="return-form"' in page and error in page
    assert stored(report) == before


def test_reviewer_reopens_with_a_reason_and_not_without(report, client_for, dso_a, reviewer_p):
    approve(report, dso_a, reviewer_p)
    before = stored(report)
    client = client_for(reviewer_p)

    refused = client.post(url("reopen"), {"reopen-reason": "  ", **CONFIRM})
    assert refused.status_code == 200 and "Give the reason for reopening the report." in html(refused)
    assert stored(report) == before

    response = client.post(url("reopen"), {"reopen-reason": "Double counting in 05080101.", **CONFIRM})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert (
        ReportEvent.objects.filter(report=report, action=WorkflowAction.REOPENED).get().note
        == "Double counting in 05080101."
    )


def test_reviewer_sees_the_review_panel_only_on_a_submitted_report(report, client_for, dso_a, reviewer_p):
    client = client_for(reviewer_p)
    assert 'id="review-panel"' not in html(client.get(url("report")))
    submit(report, dso_a)
    page = html(client.get(url("report")))
    assert 'id="approve-report"' in page and 'id="return-report"' in page
    assert f'value="{VILLAGE}"' in page  # villages to point a comment at


# --- History -------------------------------------------------------------------------------------


def test_history_shows_each_round_and_a_figure_change(
    report, client_for, dso_a, reviewer_p, django_assert_max_num_queries
):
    submit(report, dso_a)
    client_for(reviewer_p).post(
        url("return"), return_post(("village:households_total", VILLAGE, "Last quarter you had 120 households."))
    )
    version = CommuneQuarter.objects.get(report=report, commune__code="050801").version
    saved = client_for(dso_a).post(
        url("commune", A, 2019, 3, "050801"), commune_post([good_village(120), good_village(100)], version=version)
    )
    assert saved.status_code == 302
    assert client_for(dso_a).post(url("submit")).status_code == 302
    client_for(reviewer_p).post(url("approve"), CONFIRM)

    client = client_for(reviewer_p)
    with django_assert_max_num_queries(16):  # 15 today
        page = html(client.get(url("history")))

    events = page[page.index('id="events"') : page.index("</table>", page.index('id="events"'))]
    rows = re.findall(r"<tr><td>.*?</tr>", events, re.S)
    assert [re.findall(r"<td>(.*?)</td>", r, re.S)[2:4] for r in rows] == [
        ["1", "Submitted"],
        ["1", "Returned for correction"],
        ["2", "Submitted"],
        ["2", "Approved"],
    ]
    assert "Round 1" in page and "Last quarter you had 120 households." in page
    changes = page[page.index('id="changes"') :]
    change_rows = [re.findall(r"<td>(.*?)</td>", r, re.S) for r in re.findall(r"<tr><td>.*?</tr>", changes, re.S)]
    assert any(r[1] == "dso_a" and r[3] == "Households in total" and r[4:6] == ["100", "120"] for r in change_rows), (
        change_rows
    )


@pytest.mark.parametrize(
    "persona, status",
    [
        ("dso_a", 200),
        ("dso_b", 404),
        ("focal_a1", 404),
        ("reviewer_p", 200),
        ("pa_p", 200),
        ("reviewer_q", 404),
        ("mrd", 200),
        ("administrator", 200),
    ],
)
def test_history_page_scoping(report, client_for, persona, status, request):
    assert client_for(request.getfixturevalue(persona)).get(url("history")).status_code == status


@pytest.mark.parametrize(
    "path",
    [
        lambda: url("history"),
        lambda: provincial_url(),
        lambda: completeness_url(),
        lambda: reverse("reports:review_queue"),
    ],
)
def test_anonymous_visitor_is_sent_to_the_login(report, client_for, path):
    response = client_for(None).get(path())

    assert response.status_code == 302 and response.url == login_redirect(path())


def test_the_report_page_counts_the_open_comments_of_each_commune(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)
    client_for(reviewer_p).post(
        url("return"),
        return_post(
            ("village:households_total", VILLAGE, "Last quarter you had 120 households."),
            ("", "", "Please check the other villages too."),
        ),
    )

    page = html(client_for(dso_a).get(url("report")))
    rows = page.split('id="commune-table"', 1)[1].split("</table>", 1)[0].split("<tr>")[2:]
    counts = {
        row.split("<td>", 2)[1].split("</td>")[0]: 'class="badge text-bg-danger open-comments">1<' in row
        for row in rows
    }
    assert list(counts.values()) == [True, False]  # the village's commune; the general comment counts for none
