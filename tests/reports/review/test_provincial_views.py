"""The provincial report page and the completeness page through the test client: who may save, submit,
decide and read them."""

import pytest

from reports.models import (
    MissingDistrict,
    ProvincialReport,
    ProvincialStatus,
)
from reports.review import workflow
from tests.factories import DistrictReportFactory
from tests.reports.pages import html
from tests.reports.review.pages import (
    approve,
    completeness_url,
    decision_url,
    flashed,
    provincial_url,
)

# --- Provincial report ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status",
    [
        ("dso_a", 404),
        ("dso_b", 404),
        ("focal_a1", 404),
        ("reviewer_p", 200),
        ("pa_p", 200),
        ("reviewer_q", 404),
        ("mrd", 200),
        ("administrator", 200),
    ],
)
def test_provincial_page_scoping(world, q3, client_for, persona, status, request):
    assert client_for(request.getfixturevalue(persona)).get(provincial_url()).status_code == status


def provincial_post(action, world, reason="", version=0):
    return {
        "version": version,
        "action": action,
        "narrative-achievements": "Both districts triggered villages.",
        "narrative-challenges": "Floods.",
        "narrative-support_needed": "",
        "narrative-next_quarter_plan": "",
        f"missing-{world.district_b.pk}": reason,
    }


def test_reviewer_submits_the_provincial_report_with_a_reason_for_the_missing_district(
    world, q3, report, client_for, dso_a, reviewer_p
):
    approve(report, dso_a, reviewer_p)
    client = client_for(reviewer_p)
    page = client.get(provincial_url())
    assert "Basedth" in html(page)

    refused = client.post(provincial_url(), provincial_post("submit", world, version=page.context["version"]))
    assert any("give the reason for each: Basedth" in m for m in flashed(refused))
    provincial = ProvincialReport.objects.get(province=world.province_p, period=q3)
    assert provincial.status == ProvincialStatus.DRAFT

    response = client.post(
        provincial_url(), provincial_post("submit", world, reason="DSO on leave.", version=refused.context["version"])
    )

    assert response.status_code == 302
    provincial.refresh_from_db()
    assert provincial.status == ProvincialStatus.SUBMITTED
    assert MissingDistrict.objects.get(provincial_report=provincial).reason == "DSO on leave."


@pytest.fixture
def provincial_submitted(world, q3, report, report_b_approved, reviewer_p):
    provincial = ProvincialReport.objects.create(
        province=world.province_p, period=q3, achievements="A.", challenges="C."
    )
    workflow.submit_provincial_report(provincial_report=provincial, by=reviewer_p, missing_reasons={})
    return provincial


@pytest.fixture
def report_b_approved(world, q3, report, dso_a, dso_b, reviewer_p):
    approve(report, dso_a, reviewer_p)
    report_b = DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b)
    return approve(report_b, dso_b, reviewer_p)


def test_mrd_accepts_the_provincial_report_through_the_page(provincial_submitted, client_for, mrd):
    assert 'id="accept-provincial"' in html(client_for(mrd).get(provincial_url()))

    response = client_for(mrd).post(decision_url(), {"action": "accept", "decision-comment": ""})

    assert response.status_code == 302
    provincial_submitted.refresh_from_db()
    assert provincial_submitted.status == ProvincialStatus.ACCEPTED


def test_mrd_return_needs_a_comment(provincial_submitted, client_for, mrd):
    refused = client_for(mrd).post(decision_url(), {"action": "return", "decision-comment": ""}, follow=True)
    assert any("Write a comment" in m for m in flashed(refused))
    provincial_submitted.refresh_from_db()
    assert provincial_submitted.status == ProvincialStatus.SUBMITTED

    client_for(mrd).post(decision_url(), {"action": "return", "decision-comment": "Explain the floods."})
    provincial_submitted.refresh_from_db()
    assert provincial_submitted.status == ProvincialStatus.RETURNED


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p"])
@pytest.mark.parametrize("action", ["accept", "return"])
def test_pdrd_and_pa_cannot_decide_on_the_provincial_report(provincial_submitted, client_for, persona, action, request):
    for endpoint in (provincial_url(), decision_url()):  # neither the page nor the decision endpoint lets them
        response = client_for(request.getfixturevalue(persona)).post(
            endpoint, {"action": action, "decision-comment": "Fine."}
        )
        assert response.status_code == 403

    assert response.status_code == 403
    provincial_submitted.refresh_from_db()
    assert provincial_submitted.status == ProvincialStatus.SUBMITTED


def test_pa_viewer_cannot_submit_the_provincial_report(world, q3, report_b_approved, client_for, pa_p):
    response = client_for(pa_p).post(provincial_url(), provincial_post("submit", world))

    assert response.status_code == 403
    assert not ProvincialReport.objects.filter(status=ProvincialStatus.SUBMITTED).exists()


# --- Completeness page scoping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, query, status",
    [
        ("dso_a", "", 200),
        ("dso_b", "?district=0508", 404),
        ("reviewer_q", "?district=0508", 404),
        ("reviewer_p", "?district=0508", 200),
        ("reviewer_q", "", 200),
        ("pa_p", "", 200),
        ("mrd", "", 200),
        ("mrd", "?district=2501", 200),
    ],
)
def test_completeness_page_scoping(world, q3, client_for, persona, query, status, request):
    assert client_for(request.getfixturevalue(persona)).get(completeness_url() + query).status_code == status
