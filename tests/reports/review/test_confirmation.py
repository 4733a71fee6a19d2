"""Approving and reopening ask for confirmation first, without JavaScript: the report page's buttons open a
confirmation page (a dialog when Bootstrap's script runs), whose form posts `confirm=yes`; a POST without it
changes nothing and says so.
"""

import re

import pytest

from reports.models import ReportStatus
from tests.reports.pages import html
from tests.reports.review.pages import approve, flashed, login_redirect, stored, submit, url

CONFIRM = {"confirm": "yes"}


def forms_posting_to(page, action):
    """The HTML of every form of the page that posts to `action`."""
    return [f for f in re.findall(r"<form[^>]*>.*?</form>", page, re.S) if f'action="{action}"' in f]


# --- Approve --------------------------------------------------------------------------------------------


def test_the_approve_button_opens_a_confirmation_and_approves_nothing_by_itself(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)
    page = html(client_for(reviewer_p).get(url("report")))

    button = re.search(r'<a [^>]*id="approve-report"[^>]*>', page).group(0)
    assert f'href="{url("approve")}"' in button  # without JavaScript: the confirmation page
    assert 'data-bs-toggle="modal"' in button and 'data-bs-target="#approve-dialog"' in button
    assert 'id="approve-dialog"' in page
    # Every form that posts an approval carries the confirmation.
    [dialog_form] = forms_posting_to(page, url("approve"))
    assert '<input type="hidden" name="confirm" value="yes">' in dialog_form


def test_the_confirmation_page_asks_before_approving(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)
    before = stored(report)

    response = client_for(reviewer_p).get(url("approve"))

    assert response.status_code == 200
    page = html(response)
    assert "Approve this report?" in page and "Approve the report of Thpong for Q3 2019?" in page
    [form] = forms_posting_to(page, url("approve"))
    assert 'name="confirm" value="yes"' in form and 'id="confirm-approve"' in form
    assert f'href="{url("report")}"' in form  # Cancel goes back to the report
    assert stored(report) == before


def test_an_approval_without_the_confirmation_is_refused_with_a_message(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)
    before = stored(report)

    for data in ({}, {"confirm": "no"}, {"confirm": ""}):
        response = client_for(reviewer_p).post(url("approve"), data)
        assert response.status_code == 200
        assert "The report was not approved: confirm below that you want to approve and lock it." in flashed(response)
        assert forms_posting_to(html(response), url("approve"))  # asked again
        assert stored(report) == before


def test_the_confirmed_approval_locks_the_report(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)

    response = client_for(reviewer_p).post(url("approve"), CONFIRM, follow=True)

    assert response.redirect_chain == [(url("report"), 302)]
    assert "Approved. The report is now locked." in flashed(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.approved_by == reviewer_p


@pytest.mark.parametrize("state", ["draft", "approved"])
def test_there_is_nothing_to_confirm_on_a_report_that_is_not_submitted(report, client_for, dso_a, reviewer_p, state):
    if state == "approved":
        approve(report, dso_a, reviewer_p)
    before = stored(report)

    for response in (
        client_for(reviewer_p).get(url("approve"), follow=True),
        client_for(reviewer_p).post(url("approve"), CONFIRM, follow=True),
    ):
        assert response.redirect_chain == [(url("report"), 302)]
        assert f"Only a submitted report can be approved; this one is {state}." in flashed(response)
    assert stored(report) == before


@pytest.mark.parametrize("name", ["approve", "reopen"])
@pytest.mark.parametrize(
    "persona, status",
    [("dso_a", 403), ("pa_p", 403), ("mrd", 403), ("focal_a1", 404), ("dso_b", 404), ("reviewer_q", 404)],
)
def test_only_a_reviewer_of_the_province_sees_a_confirmation(
    report, client_for, dso_a, reviewer_p, request, name, persona, status
):
    if name == "reopen":
        approve(report, dso_a, reviewer_p)
    else:
        submit(report, dso_a)

    response = client_for(request.getfixturevalue(persona)).get(url(name))

    assert response.status_code == status
    assert "confirm" not in html(response)


@pytest.mark.parametrize("name", ["approve", "reopen"])
def test_an_anonymous_visitor_asking_for_a_confirmation_goes_to_the_login(report, client_for, name):
    response = client_for(None).get(url(name))

    assert response.status_code == 302 and response.url == login_redirect(url(name))


# --- Reopen ---------------------------------------------------------------------------------------------


def test_the_reopen_button_opens_a_confirmation_with_the_reason(report, client_for, dso_a, reviewer_p):
    approve(report, dso_a, reviewer_p)
    page = html(client_for(reviewer_p).get(url("report")))

    button = re.search(r'<a [^>]*id="reopen-report"[^>]*>', page).group(0)
    assert f'href="{url("reopen")}"' in button and 'data-bs-target="#reopen-dialog"' in button
    [dialog_form] = forms_posting_to(page, url("reopen"))
    assert 'name="confirm" value="yes"' in dialog_form and 'name="reopen-reason"' in dialog_form

    confirmation = html(client_for(reviewer_p).get(url("reopen")))
    assert "Reopen this approved report?" in confirmation
    [form] = forms_posting_to(confirmation, url("reopen"))
    assert 'name="confirm" value="yes"' in form and 'name="reopen-reason"' in form


def test_a_reopening_without_the_confirmation_keeps_the_reason_and_changes_nothing(
    report, client_for, dso_a, reviewer_p
):
    approve(report, dso_a, reviewer_p)
    before = stored(report)

    response = client_for(reviewer_p).post(url("reopen"), {"reopen-reason": "Double counting in 05080101."})

    assert response.status_code == 200
    assert "The report was not reopened: confirm below that you want to reopen it." in flashed(response)
    assert "Double counting in 05080101.</textarea>" in html(response)
    assert stored(report) == before


def test_the_confirmed_reopening_makes_the_report_a_draft_again(report, client_for, dso_a, reviewer_p):
    approve(report, dso_a, reviewer_p)

    response = client_for(reviewer_p).post(url("reopen"), {"reopen-reason": "Recount.", **CONFIRM}, follow=True)

    assert response.redirect_chain == [(url("report"), 302)]
    assert "Reopened: the report is a draft again and the district has been told." in flashed(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_a_submitted_report_cannot_be_reopened(report, client_for, dso_a, reviewer_p):
    submit(report, dso_a)
    before = stored(report)

    response = client_for(reviewer_p).post(url("reopen"), {"reopen-reason": "Why not.", **CONFIRM}, follow=True)

    assert "Only an approved report can be reopened; this one is submitted." in flashed(response)
    assert stored(report) == before
