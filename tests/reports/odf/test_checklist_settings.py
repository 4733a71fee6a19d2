"""The MRD's page "ODF checklist and scorecard weights" (reports/dashboards/settings_views.py) with the test client:
who may open and save it, a refused weight keeps everything typed, and the checklist it saves is the one the next
verification visit asks."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from districts.models import Role
from reports.dashboards.models import ScorecardWeights
from reports.entry.views import conflict_message
from reports.entry.writes import EditConflict
from reports.odf.models import ChecklistItem, OdfSettings
from tests.factories import AssignmentFactory, UserFactory
from tests.reports.pages import html, values

PAGE = reverse("reports:odf_scorecard_settings")


def visit_url(village):
    return reverse("reports:odf_visit", args=[village.code])


def page_post(client, **changes):
    """What the browser posts from the page as it is, with `changes` over it."""
    return {**values(client.get(PAGE)), **changes}


def new_item_prefix(data):
    return f"items-{int(data['items-TOTAL_FORMS']) - 1}"


@pytest.mark.parametrize("persona", ["mrd", "administrator"])
def test_the_mrd_and_administrators_open_and_save_the_page(client_for, request, persona):
    client = client_for(request.getfixturevalue(persona))
    page = client.get(PAGE)
    assert page.status_code == 200 and 'id="odf-scorecard-settings-form"' in html(page)
    assert PAGE in html(page)  # the menu link

    data = page_post(client, **{"odf-reverification_months": "18", "weights-budget": "5"})
    response = client.post(PAGE, data, follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    assert OdfSettings.current().reverification_months == 18
    assert ScorecardWeights.current().budget == 5
    assert "Saved" in html(response) and "15 → 5" in html(response) and "12 → 18" in html(response)


@pytest.mark.parametrize("persona", ["dso_a", "focal_a1", "reviewer_p", "pa_p"])
def test_every_other_role_is_refused(client_for, request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"weights-budget": "5"}).status_code == 403
    assert PAGE not in html(client.get(reverse("home")))
    assert ScorecardWeights.current().budget == 15


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("weights", "message", "khmer"),
    [
        ({"weights-coverage": "-3"}, "greater than or equal to 0", None),
        ({"weights-coverage": "2.5"}, "Enter a whole number", None),
        (
            {f"weights-{k}": "0" for k in ("coverage", "odf", "sustainability", "timeliness", "budget")},
            "At least one weight must be more than 0.",
            "យ៉ាងហោចណាស់ទម្ងន់មួយត្រូវតែធំជាង 0។",
        ),
    ],
)
def test_a_bad_weight_is_refused_with_the_message_and_everything_typed_kept(client_for, mrd, weights, message, khmer):
    client = client_for(mrd)
    data = page_post(client, **{"odf-reverification_months": "24", **weights})
    prefix = new_item_prefix(data)
    data.update({f"{prefix}-text_km": "ស្បូវ", f"{prefix}-text_en": "A new item", "items-0-text_en": "Edited text"})
    response = client.post(PAGE, data)

    assert response.status_code == 200 and message in html(response)
    assert "Nothing was saved" in html(response)
    kept = values(response)
    for name, value in {**weights, "odf-reverification_months": "24", f"{prefix}-text_en": "A new item"}.items():
        assert kept[name] == value, name
    assert kept["items-0-text_en"] == "Edited text"
    assert OdfSettings.current().reverification_months == 12 and ScorecardWeights.current().coverage == 30
    assert not ChecklistItem.objects.filter(text_en__in=["A new item", "Edited text"]).exists()
    if khmer:
        assert khmer in html(client_for(mrd, language="km").post(PAGE, data))


def test_a_new_item_is_asked_on_the_next_visit_and_a_deactivated_one_no_longer(client_for, mrd, village, walk, dso_b):
    walk.assigned(walk.claimed(village))
    client = client_for(mrd)
    data = page_post(client)
    prefix = new_item_prefix(data)
    first = ChecklistItem.objects.active().first()
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(first.pk))
    data.update({f"{prefix}-text_km": "មានសាប៊ូនៅកន្លែងលាងដៃ", f"{prefix}-text_en": "Soap at the handwashing place"})
    del data[f"items-{index}-active"]  # untick
    response = client.post(PAGE, data, follow=True)
    assert "new checklist item" in html(response) and "deactivated" in html(response)

    added = ChecklistItem.objects.get(text_en="Soap at the handwashing place")
    assert added.active and ChecklistItem.objects.filter(pk=first.pk, active=False).exists()
    assert ChecklistItem.objects.count() == len([k for k in data if k.endswith("-id")])  # nothing deleted

    visit = html(client_for(dso_b).get(visit_url(village)))
    assert f'name="item_{added.pk}"' in visit and "Soap at the handwashing place" in visit
    assert f'name="item_{first.pk}"' not in visit


def test_of_two_officers_saving_at_once_the_second_is_refused_with_everything_typed_kept(mrd, world):
    """Both load the page; the first saves; the second save, based on the page as it was, is refused: it names who
    saved and when, saves nothing, and shows what the second officer typed. Saving again then keeps their values."""
    mrd.first_name, mrd.last_name = "Dara", "Sok"
    mrd.save()
    colleague = UserFactory(username="mrd_colleague", first_name="Chenda", last_name="Keo")
    AssignmentFactory(user=colleague, role=Role.MRD_NATIONAL)
    first, second = Client(), Client()
    for client, user in ((first, mrd), (second, colleague)):
        client.force_login(user)
        client.cookies["django_language"] = "en"
    first_data, second_data = page_post(first), page_post(second)
    assert first_data["version"] == second_data["version"]

    first_data.update({"odf-reverification_months": "18", "items-0-text_en": "Saved by Dara"})
    assert first.post(PAGE, first_data).status_code == 302
    prefix = new_item_prefix(second_data)
    typed = {
        "odf-reverification_months": "24",
        "weights-budget": "5",
        "items-0-text_en": "Typed by Chenda",
        f"{prefix}-text_km": "ស្បូវ",
        f"{prefix}-text_en": "A new item by Chenda",
    }
    response = second.post(PAGE, {**second_data, **typed})

    assert response.status_code == 200
    page = html(response)
    assert "Dara Sok saved this page at" in page and "NOT saved" in page
    kept = values(response)
    for name, value in typed.items():
        assert kept[name] == value, name
    assert OdfSettings.current().reverification_months == 18 and ScorecardWeights.current().budget == 15
    assert ChecklistItem.objects.filter(text_en="Saved by Dara").exists()
    assert not ChecklistItem.objects.filter(text_en__in=["Typed by Chenda", "A new item by Chenda"]).exists()
    assert ScorecardWeights.current().updated_by == mrd

    # The refused page carries the version saved meanwhile: pressing Save again keeps Chenda's values, knowingly.
    assert second.post(PAGE, kept).status_code == 302
    assert OdfSettings.current().reverification_months == 24 and ScorecardWeights.current().budget == 5
    assert ChecklistItem.objects.filter(text_en__in=["Typed by Chenda", "A new item by Chenda"]).count() == 2
    assert ScorecardWeights.current().updated_by == colleague


def test_a_save_without_the_pages_version_or_with_a_tampered_one_is_refused(client_for, mrd):
    client = client_for(mrd)
    data = page_post(client, **{"weights-budget": "5"})
    for version in (None, "x", "-1", str(int(data["version"]) + 1)):
        posted = {k: v for k, v in data.items() if k != "version"}
        if version is not None:
            posted["version"] = version
        response = client.post(PAGE, posted)
        assert response.status_code == 200 and "NOT saved" in html(response), version
    assert ScorecardWeights.current().budget == 15


def test_the_refusal_is_in_khmer_on_a_khmer_page(client_for, mrd):
    client = client_for(mrd, language="km")
    page = html(client.post(PAGE, page_post(client, **{"weights-budget": "5", "version": "-1"})))
    with translation.override("km"):
        expected = conflict_message(EditConflict("\x00", None))  # who and when cut out below
    assert max(expected.replace("?", "\x00").split("\x00"), key=len).strip() in page
    assert "NOT saved" not in page and ScorecardWeights.current().budget == 15
