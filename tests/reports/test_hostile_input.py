"""A hostile-input corpus against every form and export (Step 6): markup and script, CSS that reaches for local
files, spreadsheet formulas, huge and malformed numbers, NUL bytes, tampered versions, form counts and ids.

Every POST must answer with a page or a redirect (never a 500); a refused form shows the user's input again
(nothing lost); nothing the user typed comes back as live markup; a saved value is stored as text.
The full matrix (every field × every payload) is slow; one payload per field kind runs in the quick loop.
"""

import csv
import io

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import override

from reports.models import DistrictReport, ReportStatus
from tests.reports.entry.helpers import commune_url, section_url, targets_url
from tests.reports.pages import (
    TRAINING,
    commune_post,
    district_post,
    good_village,
    html,
    values,
)
from tests.reports.review.pages import return_post

SCRIPT = "<script>alert(1)</script>"
TEXT_PAYLOADS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "{{ request.user.password }}{% debug %}",
    "body{background:url(file:///etc/passwd)} <style>@import 'file:///etc/passwd';</style>",
    '=HYPERLINK("https://evil.example/","click")',
    "before\x00after",
    "\u202egnp.exe ទិន្នន័យ",
    "x" * 20000,
]
NUMBER_PAYLOADS = [
    "1e5",
    "-1",
    "1" * 40,
    "NaN",
    "Infinity",
    "0x10",
    "1,000",
    "１２",
    "12.5.1",
    SCRIPT,
    "7\x00",
]
QUICK_TEXT, QUICK_NUMBER = [SCRIPT, "before\x00after"], ["1" * 40, "-1"]
# Live markup that must never come back from what a user typed.
LIVE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<style>@import"]
SKIPPED = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS", "csrfmiddlewaretoken")


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


def survives(client, url, data, *, field, payload):
    """POST the form with one field replaced by the payload; the answer is a page or a redirect, never live markup."""
    posted = {**data, field: payload}
    response = client.post(url, posted)
    assert response.status_code in (200, 302, 403, 409), (field, payload[:40], response.status_code)
    page = html(response) if response.status_code == 200 else html(client.get(url))
    for marker in LIVE:
        assert marker not in page, (field, payload[:40])
    if response.status_code == 200 and "\x00" not in payload and len(payload) < 10000 and field.endswith(_TYPED):
        # Refused: what the user typed is on the page again, for them to correct.
        assert escape(payload) in page or escape(payload.strip()) in page, (field, payload[:40])
    return response


_TYPED = tuple(
    list(good_village())
    + ["achievements", "challenges", "support_needed", "next_quarter_plan", "text", "reason", "comment", "topic_detail"]
)


def text_fields(data):
    return [f for f in data if f.endswith(("achievements", "challenges", "support_needed", "next_quarter_plan"))]


def number_fields(data):
    return [
        f
        for f in data
        if not f.endswith(SKIPPED)
        and f not in text_fields(data)
        and str(data[f]).replace(".", "", 1).isdigit()
        and f != "version"
    ]


def fresh(client, url, data):
    """The baseline with the page's current edit version (an earlier payload may have been saved)."""
    current = values(client.get(url)).get("version")
    return {**data, "version": current} if current is not None else data


def run_matrix(client, url, data, fields_and_payloads):
    for field, payloads in fields_and_payloads:
        for payload in payloads:
            survives(client, url, fresh(client, url, data), field=field, payload=payload)


def matrix(data, text, number):
    return [(f, text) for f in text_fields(data)] + [(f, number) for f in number_fields(data)]


# --- Data entry -----------------------------------------------------------------------------------------------


def commune_baseline():
    return commune_post([good_village(100), good_village(60)])


def section_baseline():
    return district_post(trainings=[TRAINING])


@pytest.mark.parametrize(
    "payloads", [pytest.param((QUICK_TEXT, QUICK_NUMBER), id="quick"), pytest.param(None, marks=pytest.mark.slow)]
)
def test_the_commune_page_survives_every_payload_in_every_field(world, q3, dso_a, client_for, payloads):
    text, number = payloads or (TEXT_PAYLOADS, NUMBER_PAYLOADS)
    client = client_for(dso_a)
    data = commune_baseline()
    fields = [(f, number) for f in number_fields(data)] + [("villages-0-explanation", text)]
    run_matrix(client, commune_url(), data, fields)


@pytest.mark.parametrize(
    "payloads", [pytest.param((QUICK_TEXT, QUICK_NUMBER), id="quick"), pytest.param(None, marks=pytest.mark.slow)]
)
def test_the_district_section_survives_every_payload_in_every_field(world, q3, dso_a, client_for, payloads):
    text, number = payloads or (TEXT_PAYLOADS, NUMBER_PAYLOADS)
    client = client_for(dso_a)
    data = section_baseline()
    run_matrix(client, section_url(), data, matrix(data, text, number) + [("trainings-0-topic_detail", text)])


@pytest.mark.slow
def test_plan_targets_survive_every_payload(world, q3, dso_a, client_for):
    client = client_for(dso_a)
    data = values(client.get(targets_url()))
    fields = [f for f in data if f not in ("csrfmiddlewaretoken", "version", "language", "next")]
    assert fields, "the targets page has no inputs"
    run_matrix(client, targets_url(), data, [(f, NUMBER_PAYLOADS) for f in fields])


@pytest.mark.parametrize("value", ["abc", "-1", "9" * 40, "", "1\x00"])
def test_a_tampered_edit_version_is_refused_on_the_commune_page(world, q3, dso_a, client_for, value):
    response = client_for(dso_a).post(commune_url(), {**commune_baseline(), "version": value})
    assert response.status_code in (200, 409)
    assert not DistrictReport.objects.filter(district=world.district_a, village_quarters__households_total=100).exists()


@pytest.mark.parametrize("value", ["abc", "-1", "99999999", "0"])
@pytest.mark.parametrize("field", ["villages-TOTAL_FORMS", "villages-INITIAL_FORMS"])
def test_tampered_form_counts_reach_no_other_village(world, q3, dso_a, client_for, field, value):
    """The commune's villages come from the server, not from the posted counts: all rows present = saved as typed."""
    response = client_for(dso_a).post(commune_url(), {**commune_baseline(), field: value})
    assert response.status_code in (200, 302)
    report = DistrictReport.objects.filter(district=world.district_a, period=q3).first()
    if response.status_code == 200:  # a management form Django cannot read: refused with its message
        assert response.context["messages"] or response.context.get("formset").non_form_errors()
        assert report is None or not report.village_quarters.filter(households_total=100).exists()
        return
    assert sorted(report.village_quarters.values_list("village__code", "households_total")) == [
        ("05080101", 100),
        ("05080102", 60),
    ]


@pytest.mark.parametrize("value", ["abc", "-1", "9" * 40, ""])
def test_a_tampered_edit_version_is_refused_on_the_district_section(world, q3, dso_a, client_for, value):
    response = client_for(dso_a).post(section_url(), {**section_baseline(), "version": value})
    assert response.status_code in (200, 409)
    assert not DistrictReport.objects.filter(district=world.district_a, achievements__startswith="Three").exists()


def test_a_training_id_of_another_district_cannot_be_edited_through_this_one(world, q3, dso_a, dso_b, client_for):
    from reports.models import Training

    client_for(dso_b).post(section_url("0501"), district_post(trainings=[TRAINING]))
    other = Training.objects.get(report__district=world.district_b)
    client = client_for(dso_a)
    data = district_post(trainings=[{**TRAINING, "topic_detail": "taken over"}], existing=1)
    data["trainings-0-id"] = str(other.pk)
    response = client.post(section_url(), data)
    assert response.status_code in (200, 302)
    other.refresh_from_db()
    assert other.topic_detail == "CLTS facilitation" and other.report.district == world.district_b


# --- Review ---------------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(world, q3, dso_a):
    return DistrictReport.objects.create(
        district=world.district_a, period=q3, status=ReportStatus.SUBMITTED, submitted_by=dso_a
    )


@pytest.mark.parametrize("payload", TEXT_PAYLOADS)
def test_a_return_comment_is_stored_as_text_and_shown_escaped(submitted, reviewer_p, dso_a, client_for, payload):
    url = reverse("reports:return", args=["0508", 2019, 3])
    response = client_for(reviewer_p).post(url, return_post(("", "", payload)))
    assert response.status_code in (200, 302)
    page = html(client_for(dso_a).get(reverse("reports:report", args=["0508", 2019, 3])))
    for marker in LIVE:
        assert marker not in page


@pytest.mark.parametrize("payload", [SCRIPT, "a\x00b", "x" * 20000, ""])
def test_a_reopen_reason_survives_every_payload(world, q3, dso_a, reviewer_p, client_for, payload):
    DistrictReport.objects.create(
        district=world.district_a, period=q3, status=ReportStatus.APPROVED, submitted_by=dso_a
    )
    response = client_for(reviewer_p).post(reverse("reports:reopen", args=["0508", 2019, 3]), {"reason": payload})
    assert response.status_code in (200, 302)
    page = html(client_for(reviewer_p).get(reverse("reports:history", args=["0508", 2019, 3])))
    assert SCRIPT not in page


@pytest.mark.parametrize("payload", [SCRIPT, "a\x00b", "x" * 20000])
def test_the_provincial_narrative_survives_every_payload(world, q3, reviewer_p, client_for, payload):
    url = reverse("reports:provincial", args=["05", 2019, 3])
    client = client_for(reviewer_p)
    data = values(client.get(url))
    fields = [f for f in data if f.startswith("narrative-")]
    assert fields
    for field in fields:
        survives(client, url, fresh(client, url, {**data, "action": "save"}), field=field, payload=payload)


# --- Accounts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [SCRIPT, "a\x00b", "x" * 20000, "admin' --"])
def test_the_login_form_survives_every_payload(world, client, payload):
    for field in ("username", "password"):
        response = client.post(reverse("login"), {"username": "dso_a", "password": "x", field: payload})
        assert response.status_code == 200
        assert SCRIPT not in html(response)


@pytest.mark.parametrize("payload", [SCRIPT, "a\x00b", "9" * 500, "១២៣៤៥៦"])
def test_the_two_step_code_form_survives_every_payload(world, reviewer_p, client, settings, payload):
    from tests.districts.test_mfa import set_up_authenticator

    settings.MFA_REQUIRED = True
    client.cookies["django_language"] = "en"
    set_up_authenticator(client, reviewer_p)
    client.logout()
    client.force_login(reviewer_p)
    response = client.post(reverse("mfa:verify"), {"code": payload})
    assert response.status_code == 200
    assert SCRIPT not in html(response)


# --- Query strings on pages and exports -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "year=abc&quarter=9",
        "year=99999999999999999999&quarter=1",
        "quarter=%00",
        "data=%3Cscript%3E",
        "lang=..%2F..%2Fetc",
        "year=2019&quarter=-3",
    ],
)
@pytest.mark.parametrize(
    "url",
    [
        "/reports/dashboard/district/0508/",
        "/reports/dashboard/province/05/",
        "/reports/dashboard/national/",
        "/reports/dashboard/district/0508/coverage.csv",
    ],
)
def test_hostile_query_strings_on_dashboards_and_exports_are_not_errors(world, mrd, client_for, url, query):
    response = client_for(mrd).get(f"{url}?{query}")
    assert response.status_code in (200, 302, 400, 404)
    assert SCRIPT not in response.content.decode(errors="replace")


# --- Spreadsheet formulas in CSV exports ----------------------------------------------------------------------


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(world, mrd, client_for):
    from reports.rollups.build import rebuild_all

    world.district_a.name_latin = '=HYPERLINK("https://evil.example/","x")'
    world.district_a.name_km = "+cmd|' /C calc'!A0"
    world.district_a.save()
    DistrictReport.objects.create(district=world.district_a, period=_q(2019, 3), status=ReportStatus.APPROVED)
    rebuild_all()
    response = client_for(mrd).get("/reports/dashboard/province/05/league.csv?year=2019&quarter=3")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row]
    assert cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        assert not (cell.startswith("-") and not _is_number(cell)), cell


def _q(year, quarter):
    from tests.factories import ReportingPeriodFactory

    return ReportingPeriodFactory(year=year, quarter=quarter)


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
