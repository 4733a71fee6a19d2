"""The read API (reports/exchange/api.py): a token sees what its user sees in the pages, nothing more; revoked
tokens and inactive users are refused; lists are paginated; each token is rate-limited; the schema is valid."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openapi_spec_validator import validate

from districts.models import Commune, District, Province, Role, Village
from reports.exchange import api as api_module
from reports.exchange import tokens
from reports.exchange.models import ApiToken
from reports.rollups import build as rollup
from reports.rollups.models import Rollup
from tests.factories import AssignmentFactory, DistrictReportFactory, UserFactory

ENDPOINTS = ["units", "periods", "rollups", "completeness", "report"]


@pytest.fixture
def quarter(world, q3):
    """Q3: A approved, B submitted, C (province Q) approved."""
    DistrictReportFactory(district=world.district_a, period=q3, filled=True, approved=True)
    DistrictReportFactory(district=world.district_b, period=q3, filled=True, submitted=True)
    DistrictReportFactory(district=world.district_c, period=q3, filled=True, approved=True)
    rollup.rebuild_all()
    return q3


@pytest.fixture
def call(client):
    """call(user, path, **params) -> response, with a new token of `user` (or `key=` for a given key)."""

    def get(user, path, key=None, **params):
        if key is None:
            key = tokens.issue(user=user, name="test")[1]
        return client.get(f"/api/v1/{path}", params, HTTP_AUTHORIZATION=f"Bearer {key}")

    return get


def codes(response):
    assert response.status_code == 200, response.content
    return {item.get("code") or item.get("district") for item in response.json()["items"]}


MODELS = {"province": Province, "district": District, "commune": Commune, "village": Village}


@pytest.mark.parametrize("persona", ["dso_a", "focal_a1", "reviewer_p", "pa_p", "mrd"])
@pytest.mark.parametrize("level", ["province", "district", "commune", "village"])
def test_units_are_exactly_those_the_user_reads_in_the_pages(call, request, quarter, persona, level):
    user = request.getfixturevalue(persona)
    expected = set(MODELS[level].objects.visible_to(user).values_list("code", flat=True))
    assert codes(call(user, "units", level=level, limit=1000)) == expected


def test_a_dso_sees_their_district_only_everywhere(call, quarter, dso_a):
    assert codes(call(dso_a, "units", level="district")) == {"0508"}
    assert codes(call(dso_a, "rollups", quarter="2019Q3", limit=1000)) == {"0508", "050801", "050802"}
    assert codes(call(dso_a, "completeness", quarter="2019Q3")) == {"0508"}
    assert call(dso_a, "reports/0508/2019Q3").status_code == 200
    assert call(dso_a, "reports/0501/2019Q3").status_code == 404  # another district: as in the pages
    assert call(dso_a, "reports/2501/2019Q3").status_code == 404


def test_a_province_reviewer_reads_their_province_and_never_the_nation(call, quarter, reviewer_p):
    rows = codes(call(reviewer_p, "rollups", quarter="2019Q3", limit=1000))
    assert "05" in rows and "0501" in rows and "25" not in rows and "2501" not in rows and "KH" not in rows
    assert codes(call(reviewer_p, "completeness", quarter="2019Q3")) == {"0508", "0501"}
    assert call(reviewer_p, "reports/2501/2019Q3").status_code == 404


def test_the_ministry_reads_the_nation_with_the_basis_of_each_figure(call, quarter, mrd):
    national = call(mrd, "rollups", quarter="2019Q3", level="national", state="provisional").json()["items"]
    assert [row["code"] for row in national] == ["KH"]
    row = national[0]
    assert row["reported_units"] == 3 and row["carried_forward_units"] == 0 and row["oldest_carried_quarter"] == ""
    assert row["figures"]["reports_expected"] == 3 and "households_total" in row["figures"]


def test_only_an_approved_report_is_published(call, quarter, reviewer_p):
    assert call(reviewer_p, "reports/0501/2019Q3").status_code == 404  # submitted, under review
    report = call(reviewer_p, "reports/0508/2019Q3").json()
    assert report["status"] == "approved" and {v["commune"] for v in report["villages"]} == {"050801", "050802"}


@pytest.mark.parametrize("path", ["units?level=district", "periods", "rollups", "completeness?quarter=2019Q3",
                                  "reports/0508/2019Q3", "odf?quarter=2019Q3&level=district&unit=0508"])  # fmt: skip
def test_without_a_valid_token_every_endpoint_answers_401(client, quarter, dso_a, path):
    assert client.get(f"/api/v1/{path}").status_code == 401
    assert client.get(f"/api/v1/{path}", HTTP_AUTHORIZATION="Bearer not-a-key").status_code == 401
    token, key = tokens.issue(user=dso_a, name="partner")
    assert client.get(f"/api/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    tokens.revoke(token)
    assert client.get(f"/api/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_token_of_a_user_who_left_is_refused(call, quarter, dso_a):
    key = tokens.issue(user=dso_a, name="partner")[1]
    get_user_model().objects.filter(pk=dso_a.pk).update(is_active=False)
    assert call(dso_a, "periods", key=key).status_code == 401


def test_only_a_hash_of_the_key_is_kept_and_its_use_is_recorded(call, quarter, dso_a):
    token, key = tokens.issue(user=dso_a, name="partner")
    assert key not in str(ApiToken.objects.values_list().get(pk=token.pk)) and token.prefix == key[:8]
    call(dso_a, "periods", key=key)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_lists_are_paginated_and_filtered(call, quarter, mrd):
    first = call(mrd, "units", level="village", limit=5, offset=0).json()
    second = call(mrd, "units", level="village", limit=5, offset=5).json()
    assert first["count"] == Village.objects.count() == 12 and len(first["items"]) == 5
    assert not {v["code"] for v in first["items"]} & {v["code"] for v in second["items"]}
    assert codes(call(mrd, "units", level="commune", parent="0501")) == {"050101", "050102"}
    assert codes(call(mrd, "rollups", quarter="2019Q3", unit="0508", state="approved")) == {"0508"}
    assert call(mrd, "rollups", quarter="2019-3").status_code == 422
    assert call(mrd, "units", level="country").status_code == 422


def test_a_token_is_rate_limited(call, quarter, dso_a, monkeypatch):
    monkeypatch.setattr(api_module.throttle, "num_requests", 2)
    key = tokens.issue(user=dso_a, name="partner")[1]
    statuses = [call(dso_a, "periods", key=key).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert call(dso_a, "periods").status_code == 200  # another token counts on its own


def test_the_schema_is_served_and_valid_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    validate(schema)
    assert {"/api/v1/units", "/api/v1/periods", "/api/v1/rollups", "/api/v1/completeness"} <= set(schema["paths"])
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())


def test_an_administrator_issues_a_token_once_and_revokes_it(client, world, dso_a):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    AssignmentFactory(user=admin_user, role=Role.ADMINISTRATOR)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:reports_apitoken_add"), {"user": dso_a.pk, "name": "WASH partner"}, follow=True
    )
    shown = " ".join(str(m) for m in response.context["messages"])
    key = re.search(r"[A-Za-z0-9_-]{43}", shown)[0]  # secrets.token_urlsafe(32), in the message of either language
    token = ApiToken.objects.get(name="WASH partner")
    assert tokens.authenticate(key) == token
    client.post(reverse("admin:reports_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    assert tokens.authenticate(key) is None
    assert client.get(reverse("admin:reports_apitoken_delete", args=[token.pk])).status_code == 403


def test_a_page_costs_a_few_queries_however_many_rows_and_is_capped(call, quarter, mrd, django_assert_max_num_queries):
    key = tokens.issue(user=mrd, name="partner")[1]
    with django_assert_max_num_queries(
        6
    ):  # token, its last use, quarter, reach, reports, districts: not one per district
        assert len(call(mrd, "completeness", key=key, quarter="2019Q3").json()["items"]) == 3
    with django_assert_max_num_queries(8):
        rows = call(mrd, "rollups", key=key, limit=1000).json()
    assert rows["count"] == len(rows["items"]) == Rollup.objects.filter(data_state="approved").count()
    with django_assert_max_num_queries(8):
        assert len(call(mrd, "units", key=key, level="village", limit=1000).json()["items"]) == 12
    assert call(mrd, "units", key=key, level="village", limit=5000).status_code == 422  # at most 1000 a page


# --- The ODF funnel ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "readable"),
    [
        ("dso_a", {"district:0508"}),
        ("focal_a1", set()),  # a commune focal point reads no district
        ("reviewer_p", {"district:0508", "district:0501", "province:05"}),
        ("mrd", {"district:0508", "district:0501", "district:2501", "province:05", "province:25", "national:"}),
    ],
)
def test_the_odf_funnel_is_read_where_the_pages_read(call, request, quarter, persona, readable):
    user = request.getfixturevalue(persona)
    key = tokens.issue(user=user, name="partner")[1]
    for asked in ["district:0508", "district:0501", "district:2501", "province:05", "province:25", "national:"]:
        level, unit = asked.split(":")
        response = call(user, "odf", key=key, quarter="2019Q3", level=level, unit=unit)
        assert response.status_code == (200 if asked in readable else 404), asked


def test_the_odf_funnel_counts_the_verification_records(call, quarter, reviewer_p, mrd):
    import datetime

    from tests.reports.odf.test_funnel import claim

    by = UserFactory(username="recorder")
    for code in ("05080101", "05080102"):  # commune 050801: both its villages certified in 2019 Q3
        claim(
            code,
            datetime.date(2019, 7, 2),
            visited_on=datetime.date(2019, 7, 20),
            certified_on=datetime.date(2019, 8, 1),
            by=by,
        )
    claim("05080201", datetime.date(2019, 9, 1), by=by)  # declared only

    found = call(reviewer_p, "odf", quarter="2019Q3", level="district", unit="0508").json()
    assert found["quarter"] == "2019Q3" and found["unit"] == "0508"
    rows = {row["unit"]: row for row in found["rows"]}
    assert set(rows) == {"050801", "050802"}
    assert (rows["050801"]["declared"], rows["050801"]["certified"], rows["050801"]["odf_communes"]) == (2, 2, 1)
    assert (rows["050802"]["declared"], rows["050802"]["certified"], rows["050802"]["odf_communes"]) == (1, 0, 0)
    assert found["total"]["certified_villages"] == 2 and found["total"]["villages"] == 4
    national = call(mrd, "odf", quarter="2019Q3", level="national").json()
    assert national["unit"] == "KH" and national["total"]["certified"] == 2
    assert {row["unit"] for row in national["rows"]} == {"05", "25"}
    assert call(mrd, "odf", quarter="2019Q3", level="commune", unit="050801").status_code == 422
