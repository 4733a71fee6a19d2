"""Every route of the portal against the role × scope matrix, generated from the URL resolver.

Fails closed: a route that is not in ROUTES below fails the test, so a new page cannot ship without
saying who may reach it. For each route: an anonymous visitor is sent to the login page (GET and POST);
a DSO of district A asking for district B's, or province Q's, page or action is refused (GET and POST);
read-only roles posting to a write route of district A are refused.
"""

import pytest
from django.urls import get_resolver, reverse

from districts.models import Role
from reports.documents.models import PdfKind, StoredPdf
from reports.rollups.models import DataState
from tests.factories import AssignmentFactory, UserFactory

REFUSED = {403, 404, 405}

# name: (kind, args for district A / province P in scope, args out of a DSO of A's scope, written by DSOs?)
# kinds: "public" (anyone), "personal" (any logged-in user), "national" (read by everyone logged in, written by
# the MRD), "unit" (scoped to a district, commune or province), "token" (the read API: a token, scoped as its user).
A, B, Q = "0508", "0501", "25"
ROUTES = {
    "login": ("public", (), None, False),
    "set_language": ("public", (), None, False),
    "set_date_digits": ("public", (), None, False),
    "logout": ("personal", (), None, False),
    "home": ("personal", (), None, False),
    "password_change": ("personal", (), None, False),
    "password_change_done": ("personal", (), None, False),
    "mfa:manage": ("personal", (), None, False),
    "mfa:verify": ("personal", (), None, False),
    "mfa:setup": ("personal", (), None, False),
    "mfa:recovery_codes": ("personal", (), None, False),
    "mfa:turn_off": ("personal", (), None, False),
    "districts:national": ("national", (), None, False),
    "districts:province": ("unit", ("05",), (Q,), False),
    "districts:district": ("unit", (A,), (B,), False),
    "districts:commune": ("unit", ("050801",), ("050101",), False),
    "reports:dashboard": ("personal", (), None, False),
    "reports:dashboard_national": ("national", (), None, False),
    "reports:dashboard_national_csv": ("national", ("coverage",), None, False),
    "reports:dashboard_national_xlsx": ("national", ("coverage",), None, False),
    "reports:dashboard_province": ("unit", ("05",), (Q,), False),
    "reports:dashboard_province_csv": ("unit", ("05", "coverage"), (Q, "coverage"), False),
    "reports:dashboard_province_xlsx": ("unit", ("05", "coverage"), (Q, "coverage"), False),
    "reports:dashboard_district": ("unit", (A,), (B,), False),
    "reports:dashboard_district_csv": ("unit", (A, "coverage"), (B, "coverage"), False),
    "reports:dashboard_district_xlsx": ("unit", (A, "coverage"), (B, "coverage"), False),
    "reports:pdf_district": ("unit", (A, 2019, 3), (B, 2019, 3), False),
    "reports:pdf_provincial": ("unit", ("05", 2019, 3), (Q, 2019, 3), False),
    "reports:pdf_national": ("national", (2019, 3), None, False),
    "reports:pdf_certificate_village": ("unit", ("05080101",), ("05010101",), False),
    "reports:pdf_certificate_commune": ("unit", ("050801",), ("050101",), False),
    "reports:pdf_certificate_district": ("unit", (A,), (B,), False),
    "reports:pdf_status": ("unit", None, "stored", False),
    "reports:pdf_file": ("unit", None, "stored", False),
    "reports:review_queue": ("personal", (), None, False),
    "reports:completeness": ("personal", (2019, 3), None, False),
    "reports:provincial_inbox": ("unit", ("05",), (Q,), False),
    "reports:provincial": ("unit", ("05", 2019, 3), (Q, 2019, 3), False),
    "reports:provincial_decision": ("unit", ("05", 2019, 3), (Q, 2019, 3), False),
    "reports:report": ("unit", (A, 2019, 3), (B, 2019, 3), False),
    "reports:submit": ("unit", (A, 2019, 3), (B, 2019, 3), True),
    "reports:approve": ("unit", (A, 2019, 3), (B, 2019, 3), False),
    "reports:return": ("unit", (A, 2019, 3), (B, 2019, 3), False),
    "reports:reopen": ("unit", (A, 2019, 3), (B, 2019, 3), False),
    "reports:history": ("unit", (A, 2019, 3), (B, 2019, 3), False),
    "api:openapi-json": ("public", (), None, False),
    "api:api-root": ("public", (), None, False),  # nothing there (404): the endpoints are below it
    # The read API answers 401 without a token; what a token sees: tests/reports/exchange/test_api.py.
    "api:units": ("token", (), None, False),
    "api:periods": ("token", (), None, False),
    "api:rollups": ("token", (), None, False),
    "api:completeness": ("token", (), None, False),
    "api:report": ("token", (A, "2019Q3"), None, False),
    "api:odf": ("token", (), None, False),
    "reports:periods": ("national", (), None, False),
    "reports:odf_scorecard_settings": ("national", (), None, False),
    "reports:dhis2": ("national", (), None, False),
    "reports:dhis2_export": ("national", (), None, False),
    "reports:dhis2_mapping_csv": ("national", (), None, False),
    "reports:dhis2_schema": ("national", (), None, False),
    "reports:period_edit": ("national", "period", None, False),
    "reports:district_reports": ("unit", (A,), (B,), False),
    "reports:plan_targets": ("unit", (A, 2019), (B, 2019), True),
    "reports:district_section": ("unit", (A, 2019, 3), (B, 2019, 3), True),
    "reports:commune": ("unit", (A, 2019, 3, "050801"), (B, 2019, 3, "050101"), True),
    "reports:spreadsheet": ("unit", (A, 2019, 3), (B, 2019, 3), False),
    "reports:spreadsheet_upload": ("unit", (A, 2019, 3), (B, 2019, 3), True),
    # ODF verification: a village of district A / of district B. Who may do each step: tests/reports/odf/.
    "reports:odf_queue": ("personal", (), None, False),
    "reports:odf_my_visits": ("personal", (), None, False),
    "reports:odf_to_declare": ("personal", (), None, False),
    "reports:odf_village": ("unit", ("05080101",), ("05010101",), False),
    "reports:odf_claim": ("unit", ("05080101",), ("05010101",), True),
    "reports:odf_team": ("unit", ("05080101",), ("05010101",), False),
    "reports:odf_visit": ("unit", ("05080101",), ("05010101",), False),
    "reports:odf_certify": ("unit", ("05080101",), ("05010101",), False),
    "reports:odf_return": ("unit", ("05080101",), ("05010101",), False),
    "reports:odf_slippage": ("unit", ("05080101",), ("05010101",), False),
    "reports:odf_photo": ("unit", ("05080101", 1), ("05010101", 1), False),
}


def named_routes():
    """Every named route outside Django's admin, as namespace:name."""
    names = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_route_says_who_may_reach_it():
    assert sorted(set(named_routes()) - set(ROUTES)) == []


@pytest.fixture
def stored_q(world, q3):
    """A stored provincial PDF of province Q, out of district A's and province P's reach."""
    return StoredPdf.objects.create(
        kind=PdfKind.PROVINCIAL, unit_code=Q, period=q3, data_state=DataState.APPROVED, language="en", state_key="q"
    )


def url_of(name, args, q3, stored):
    if args == "stored":
        return reverse(name, args=[stored.public_id])
    if args == "period":
        return reverse(name, args=[q3.pk])
    return reverse(name, args=list(args))


@pytest.mark.parametrize("name", sorted(n for n, (kind, *_rest) in ROUTES.items() if kind == "token"))
def test_the_api_refuses_a_visitor_without_a_token(client, world, q3, name):
    url = reverse(name, args=list(ROUTES[name][1]))
    assert client.get(url).status_code == 401
    assert client.post(url).status_code in (401, 405)


@pytest.mark.parametrize("name", sorted(n for n, (kind, *_rest) in ROUTES.items() if kind not in ("public", "token")))
def test_an_anonymous_visitor_is_sent_to_log_in(client, world, q3, stored_q, name):
    kind, inside, _outside, _writes = ROUTES[name]
    url = url_of(name, inside if inside is not None else "stored", q3, stored_q)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if name == "logout":
            assert response.status_code in (302, 405)
            continue
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), (method, url)


@pytest.mark.parametrize(
    "name", sorted(n for n, (kind, _in, outside, _w) in ROUTES.items() if kind == "unit" and outside is not None)
)
def test_a_dso_cannot_reach_another_districts_or_provinces_page_or_action(client_for, world, q3, stored_q, dso_a, name):
    _kind, _inside, outside, _writes = ROUTES[name]
    url = url_of(name, outside, q3, stored_q)
    client = client_for(dso_a)
    assert client.get(url).status_code in REFUSED, url
    assert client.post(url, {"version": "0", "action": "save"}).status_code in REFUSED, url


@pytest.mark.parametrize(
    "name", sorted(n for n, (kind, _in, outside, _w) in ROUTES.items() if kind == "unit" and outside is not None)
)
def test_a_pdrd_reviewer_cannot_reach_another_provinces_page_or_action(client_for, world, q3, stored_q, name):
    reviewer = UserFactory(username="reviewer_q_matrix")
    AssignmentFactory(user=reviewer, role=Role.PDRD_REVIEWER, province=world.province_q)
    _kind, inside, _outside, _writes = ROUTES[name]
    if inside is None:
        return  # the stored PDF belongs to province Q: that reviewer may read it
    url = url_of(name, inside, q3, stored_q)  # district A / province P: out of province Q's reach
    client = client_for(reviewer)
    assert client.get(url).status_code in REFUSED, url
    assert client.post(url, {"version": "0", "action": "save"}).status_code in REFUSED, url


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
@pytest.mark.parametrize("name", sorted(n for n, (_k, _i, _o, writes) in ROUTES.items() if writes))
def test_read_only_roles_cannot_write_a_districts_data(client_for, world, q3, stored_q, request, persona, name):
    _kind, inside, _outside, _writes = ROUTES[name]
    url = url_of(name, inside, q3, stored_q)
    response = client_for(request.getfixturevalue(persona)).post(url, {"version": "0", "coverage_pct": "50"})
    assert response.status_code in REFUSED, url


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "pa_p"])
@pytest.mark.parametrize("name", ["reports:periods", "reports:period_edit", "reports:odf_scorecard_settings"])
def test_only_the_ministry_writes_reporting_periods(client_for, world, q3, stored_q, request, persona, name):
    url = url_of(name, ROUTES[name][1], q3, stored_q)
    response = client_for(request.getfixturevalue(persona)).post(url, {"year": "2030", "quarter": "1"})
    assert response.status_code in REFUSED, url
