"""The ODF pages with the test client, for every role: who may (200 / redirect), who may not (403 for a reader
without the role, 404 out of scope), and a refused or mistyped form keeps everything typed."""

import datetime

import pytest
from django.urls import reverse

from reports.odf import workflow
from reports.odf.models import ChecklistItem, OdfClaim, OdfSlippage
from tests.reports.odf.conftest import TODAY, backdate
from tests.reports.pages import date_parts, form_fields, html, values

State = OdfClaim.State
CODE = "05080101"  # the `village` fixture


def url(name, code=CODE):
    return reverse(f"reports:odf_{name}", args=[code])


def visit_post(result="pass", households="40", reasons="", unmet=()):
    data = {**date_parts("visited_on", TODAY()), "households_visited": households, "result": result, "reasons": reasons}
    for item in ChecklistItem.objects.active():
        data[f"item_{item.pk}"] = "no" if item.pk in unmet else "yes"
    return data


def team_post(*members, due_on=None):
    return {"members": [m.pk for m in members], **date_parts("due_on", due_on or TODAY() + datetime.timedelta(14))}


# --- Village page and declaration -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dso_a", "focal_a1"])
def test_the_villages_dso_and_focal_point_see_the_declaration_form(client_for, request, village, persona):
    response = client_for(request.getfixturevalue(persona)).get(url("village"))
    assert response.status_code == 200
    assert 'id="odf-claim-form"' in html(response) and "Not certified" in html(response)


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_readers_of_the_province_see_the_village_page_without_the_form(client_for, request, village, persona):
    response = client_for(request.getfixturevalue(persona)).get(url("village"))
    assert response.status_code == 200 and 'id="odf-claim-form"' not in html(response)


@pytest.mark.parametrize("persona", ["dso_b", "reviewer_q"])
def test_the_village_page_is_out_of_reach_of_another_district_or_province(client_for, request, village, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url("village")).status_code == 404
    assert client.post(url("claim"), {"evidence": "x"}).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, village):
    response = client.get(url("village"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_dso_declares_the_village_odf(client_for, village, dso_a):
    response = client_for(dso_a).post(url("claim"), {**date_parts("declared_on", TODAY()), "evidence": "All latrines"})

    assert response.status_code == 302 and response["Location"] == url("village")
    claim = OdfClaim.objects.get(village=village)
    assert claim.state == State.CLAIMED and claim.evidence == "All latrines"
    page = html(client_for(dso_a).get(url("village")))
    assert "Verification under way" in page and "All latrines" in page and 'id="odf-claim-form"' not in page


def test_a_declaration_without_evidence_keeps_the_date_typed(client_for, village, dso_a):
    day = TODAY() - datetime.timedelta(days=3)
    response = client_for(dso_a).post(url("claim"), {**date_parts("declared_on", day), "evidence": " "})

    assert response.status_code == 200 and not OdfClaim.objects.exists()
    kept = values(response)
    assert (kept["declared_on_day"], kept["declared_on_year"]) == (str(day.day), str(day.year))
    assert "This field is required" in html(response)


def test_a_refused_declaration_is_shown_on_the_form_with_the_evidence_kept(client_for, village, dso_a):
    future = TODAY() + datetime.timedelta(days=2)
    response = client_for(dso_a).post(url("claim"), {**date_parts("declared_on", future), "evidence": "Kept text"})
    assert response.status_code in (200,)
    assert "Kept text" in html(response) and not OdfClaim.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_read_only_roles_cannot_declare(client_for, request, village, persona):
    response = client_for(request.getfixturevalue(persona)).post(
        url("claim"), {**date_parts("declared_on", TODAY()), "evidence": "x"}
    )
    assert response.status_code == 403 and not OdfClaim.objects.exists()


# --- Team --------------------------------------------------------------------------------------------------


def test_the_pdrd_sees_only_eligible_verifiers_and_assigns_a_team(
    client_for, village, walk, reviewer_p, dso_a, dso_b, focal_a2
):
    walk.claimed(village)
    client = client_for(reviewer_p)
    page = client.get(url("team"))
    offered = html(page)
    assert page.status_code == 200
    assert f'name="members" value="{dso_b.pk}"' in offered and f'name="members" value="{focal_a2.pk}"' in offered
    assert f'name="members" value="{dso_a.pk}"' not in offered

    response = client.post(url("team"), team_post(dso_b))
    assert response.status_code == 302
    claim = OdfClaim.objects.get(village=village)
    assert claim.state == State.TEAM_ASSIGNED and list(claim.team.all()) == [dso_b]


def test_the_team_page_starts_the_due_date_two_weeks_ahead(client_for, village, walk, reviewer_p, dso_b):
    """A required date's selects have no empty choice: without a start value the page would post 1 January of the
    first year offered, which nobody chose."""
    walk.claimed(village)
    page = client_for(reviewer_p).get(url("team"))
    expected = date_parts("due_on", TODAY() + datetime.timedelta(days=14))
    assert {name: values(page)[name] for name in expected} == expected


def test_an_ineligible_member_posted_is_refused_by_name_and_the_choices_stay(
    client_for, village, walk, reviewer_p, dso_a, dso_b
):
    walk.claimed(village)
    response = client_for(reviewer_p).post(url("team"), team_post(dso_a, dso_b))

    assert response.status_code == 200
    assert "No one verifies their own area" in html(response) and "dso_a cannot verify" in html(response)
    assert form_fields(response)["members"]["value"] == str(dso_b.pk)  # dso_b stays ticked
    assert OdfClaim.objects.get(village=village).state == State.CLAIMED


@pytest.mark.parametrize("persona", ["dso_a", "pa_p", "mrd"])
def test_only_the_pdrd_opens_the_team_page(client_for, request, village, walk, dso_b, persona):
    walk.claimed(village)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url("team")).status_code == 403
    assert client.post(url("team"), team_post(dso_b)).status_code == 403


def test_the_team_page_opens_a_reverification_of_a_certified_village(client_for, village, walk, reviewer_p, dso_b):
    walk.certified(village)
    response = client_for(reviewer_p).post(url("team"), team_post(dso_b))
    assert response.status_code == 302
    assert OdfClaim.objects.open().get(village=village).kind == OdfClaim.Kind.REVERIFICATION


# --- Visit -------------------------------------------------------------------------------------------------


def test_a_member_from_another_district_opens_and_records_the_visit(client_for, village, walk, dso_b):
    walk.assigned(walk.claimed(village))
    client = client_for(dso_b)
    assert client.get(url("village")).status_code == 404  # the village's page stays out of reach
    page = client.get(url("visit"))
    assert page.status_code == 200 and 'id="visit-form"' in html(page)
    assert 'name="viewport"' in html(page)  # the phone layout of base.html

    response = client.post(url("visit"), visit_post())
    assert response.status_code == 302
    assert OdfClaim.objects.get(village=village).state == State.PASSED


def test_a_mistyped_visit_keeps_every_answer_and_figure(client_for, village, walk, dso_b):
    walk.assigned(walk.claimed(village))
    first = ChecklistItem.objects.active().first()
    response = client_for(dso_b).post(url("visit"), visit_post(households="0", reasons="Pit open", unmet=[first.pk]))

    assert response.status_code == 200 and OdfClaim.objects.get(village=village).state == State.TEAM_ASSIGNED
    kept = values(response)
    assert kept["households_visited"] == "0" and kept["reasons"] == "Pit open"
    assert kept[f"item_{first.pk}"] == "no" and kept["result"] == "pass"
    assert "every checklist item is met" in html(response)


def test_a_visit_posted_after_the_session_ended_is_shown_again_after_login(client_for, village, walk, dso_b):
    """A team in a village with a weak signal: the session ended before Record was pressed. Nothing is recorded,
    nothing typed is lost: after logging in the form shows the answers again, to check and record."""
    from tests.reports.entry.helpers import login_redirect, messages_of

    walk.assigned(walk.claimed(village))
    first = ChecklistItem.objects.active().first()
    client = client_for(None)
    response = client.post(url("visit"), visit_post(households="37", reasons="", unmet=[]))
    assert response.status_code == 302 and response.url == login_redirect(url("visit"))
    assert OdfClaim.objects.get(village=village).state == State.TEAM_ASSIGNED

    client.force_login(dso_b)
    page = client.get(url("visit"))
    kept = values(page)
    assert kept["households_visited"] == "37" and kept["result"] == "pass" and kept[f"item_{first.pk}"] == "yes"
    assert any(m.startswith("Your session had ended") for m in messages_of(page))
    assert f'data-keep-typed="{dso_b.pk}"' in html(page) and "js/keep-typed" in html(page)
    assert values(client.get(url("visit")))["households_visited"] == ""  # the stash is used once


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "focal_a1"])
def test_readers_who_are_not_on_the_team_cannot_record_the_visit(client_for, request, village, walk, persona):
    walk.assigned(walk.claimed(village))
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url("visit")).status_code == 403
    assert client.post(url("visit"), visit_post()).status_code == 403


@pytest.mark.parametrize("persona", ["dso_c", "reviewer_q", "focal_a2"])
def test_others_find_no_visit(client_for, request, village, walk, persona):
    walk.assigned(walk.claimed(village))
    assert client_for(request.getfixturevalue(persona)).get(url("visit")).status_code == 404


def test_my_visits_lists_the_members_visits_only(client_for, village, walk, dso_b, dso_a):
    walk.assigned(walk.claimed(village))
    assert url("visit") in html(client_for(dso_b).get(reverse("reports:odf_my_visits")))
    assert url("visit") not in html(client_for(dso_a).get(reverse("reports:odf_my_visits")))


# --- Certify, return, slippage -----------------------------------------------------------------------------


def test_certify_asks_for_confirmation_then_certifies(client_for, village, walk, reviewer_p):
    walk.visited(walk.assigned(walk.claimed(village)))
    client = client_for(reviewer_p)
    assert 'id="certify-confirmation"' in html(client.get(url("certify")))
    assert client.post(url("certify")).status_code == 200  # no confirmation: asks again
    assert OdfClaim.objects.get(village=village).state == State.PASSED

    assert client.post(url("certify"), {"confirm": "yes"}).status_code == 302
    assert OdfClaim.objects.get(village=village).state == State.CERTIFIED
    assert "Certified ODF" in html(client.get(url("village")))


@pytest.mark.parametrize("persona", ["dso_a", "focal_a1", "pa_p", "mrd"])
def test_a_dso_cannot_certify_or_return(client_for, request, village, walk, persona):
    walk.visited(walk.assigned(walk.claimed(village)))
    client = client_for(request.getfixturevalue(persona))
    for name in ("certify", "return", "slippage"):
        assert client.get(url(name)).status_code == 403
        assert client.post(url(name), {"confirm": "yes", "reason": "x"}).status_code == 403
    assert OdfClaim.objects.get(village=village).state == State.PASSED


def test_return_needs_a_reason_kept_when_confirmation_is_missing(client_for, village, walk, reviewer_p):
    walk.claimed(village)
    client = client_for(reviewer_p)
    response = client.post(url("return"), {"reason": "Evidence thin"})
    assert response.status_code == 200 and "Evidence thin" in html(response)
    assert "Give the reason" in html(client.post(url("return"), {"confirm": "yes", "reason": ""}))

    assert client.post(url("return"), {"confirm": "yes", "reason": "Evidence thin"}).status_code == 302
    assert OdfClaim.objects.get(village=village).state == State.RETURNED


def test_the_pdrd_records_a_slippage_of_a_certified_village(client_for, village, walk, reviewer_p):
    walk.certified(village)
    response = client_for(reviewer_p).post(
        url("slippage"), {**date_parts("slipped_on", TODAY()), "reason": "Open defecation near the river"}
    )
    assert response.status_code == 302
    assert OdfSlippage.objects.get(village=village).source == OdfSlippage.Source.REVIEWER
    assert "Not certified" in html(client_for(reviewer_p).get(url("village")))


def test_the_village_history_lists_every_step_with_who_did_it(client_for, village, walk, dso_a):
    walk.certified(village)
    page = html(client_for(dso_a).get(url("village")))
    for text in ("Declared ODF", "Verification team assigned", "Verification visit recorded", "Visit passed", "dso_b"):
        assert text in page


# --- Queue -------------------------------------------------------------------------------------------------


def test_the_queue_shows_the_provinces_villages_in_each_section(
    client_for, world, village, walk, reviewer_p, reviewer_q, dso_b, django_assert_max_num_queries
):
    from districts.models import Village

    second, third, fourth = Village.objects.filter(commune__district=world.district_a).exclude(pk=village.pk)
    walk.claimed(village)
    overdue = walk.assigned(walk.claimed(second))
    OdfClaim.objects.filter(pk=overdue.pk).update(visit_due_on=TODAY() - datetime.timedelta(days=2))
    walk.visited(walk.assigned(walk.claimed(third)))
    backdate(walk.certified(fourth), TODAY() - datetime.timedelta(days=370))

    client = client_for(reviewer_p)
    with django_assert_max_num_queries(18):
        page = html(client.get(reverse("reports:odf_queue")))
    for section, unit in (
        ("queue-waiting", village),
        ("queue-overdue", second),
        ("queue-decide", third),
        ("queue-reverify", fourth),
    ):
        start = page.index(f'id="{section}"')
        assert unit.name in page[start : page.index("</table>", start)], section

    assert village.name not in html(client_for(reviewer_q).get(reverse("reports:odf_queue")))


@pytest.mark.parametrize("persona", ["dso_a", "pa_p", "mrd", "focal_a1"])
def test_the_queue_is_for_pdrd_reviewers(client_for, request, world, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("reports:odf_queue")).status_code == 403


def test_the_commune_page_and_the_reviewers_home_link_to_the_odf_pages(client_for, world, village, reviewer_p, dso_a):
    assert url("village") in html(client_for(dso_a).get(world.commune_a1.get_absolute_url()))
    assert reverse("reports:odf_queue") in html(client_for(reviewer_p).get(reverse("home")))


def test_workflow_refusals_reach_the_page_as_messages(client_for, village, walk, reviewer_p, reviewer_p2, world):
    """A reviewer who was on the team is refused certification with the workflow's reason."""
    from districts.models import Role
    from tests.factories import AssignmentFactory

    AssignmentFactory(user=reviewer_p2, role=Role.DSO, district=world.district_b)
    claim = walk.assigned(walk.claimed(village), members=[reviewer_p2])
    workflow.record_visit(
        claim=claim,
        by=reviewer_p2,
        visited_on=TODAY(),
        households_visited=3,
        answers={i.pk: True for i in ChecklistItem.objects.active()},
        result="pass",
    )
    response = client_for(reviewer_p2).post(url("certify"), {"confirm": "yes"}, follow=True)
    assert "You were on the verification team" in html(response)


def test_the_village_page_reads_a_long_history_in_a_fixed_number_of_queries(
    client_for, village, walk, reviewer_p, dso_b, django_assert_max_num_queries
):
    for _round in range(3):
        walk.certified(village)
        workflow.record_slippage(village=village, by=reviewer_p, slipped_on=TODAY(), reason="Seen")
    walk.visited(walk.assigned(walk.claimed(village)))
    client = client_for(reviewer_p)
    with django_assert_max_num_queries(17):
        response = client.get(url("village"))
    assert response.content.decode().count("Verification visit recorded") == 4


def test_the_admin_shows_the_checklist_period_and_weights_but_changes_them_only_on_the_mrds_page(
    client_for, administrator
):
    """The MRD's page saves them under one edit version; an admin edit would bypass it (two saves at once)."""
    from reports.dashboards.models import ScorecardWeights

    client = client_for(administrator)
    assert client.get(reverse("admin:reports_checklistitem_changelist")).status_code == 200
    assert client.get(reverse("admin:reports_odfsettings_changelist")).status_code == 200
    item = ChecklistItem.objects.first()
    change = reverse("admin:reports_checklistitem_change", args=[item.pk])
    assert 'name="text_en"' not in client.get(change).content.decode()  # shown read only
    assert client.post(change, {"text_en": "Changed", "text_km": "x", "order": 1, "active": "on"}).status_code == 403
    weights = ScorecardWeights.current()
    weights_change = reverse("admin:reports_scorecardweights_change", args=[weights.pk])
    assert client.post(weights_change, {"coverage": 100}).status_code == 403
    assert ChecklistItem.objects.get(pk=item.pk).text_en != "Changed"
