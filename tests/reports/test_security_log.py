"""The security log: refused requests, probing, failed logins, lockouts, role changes and exports, with who and where."""

import json

import pytest
from django.urls import reverse

from districts.models import Assignment, Role
from reports.rollups.build import rebuild_period
from tests.factories import DistrictReportFactory


@pytest.fixture
def security_events(caplog):
    def events():
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "drssd.security"]

    caplog.set_level("INFO", logger="drssd.security")
    return events


def test_a_refused_write_is_logged_with_who_and_from_where(client_for, world, reviewer_p, security_events):
    url = reverse("reports:plan_targets", args=["0508", 2019])
    assert client_for(reviewer_p).post(url, {}, REMOTE_ADDR="203.0.113.9").status_code == 403
    [event] = [e for e in security_events() if e["event"] == "access_denied"]
    assert (event["user"], event["address"], event["path"], event["method"]) == (
        "reviewer_p",
        "203.0.113.9",
        url,
        "POST",
    )


def test_probing_another_districts_page_is_logged(client_for, world, dso_a, security_events):
    assert client_for(dso_a).get(reverse("districts:district", args=["0501"])).status_code == 404
    assert any(e["event"] == "not_found_in_scope" and e["user"] == "dso_a" for e in security_events())


def test_failed_logins_and_role_changes_are_logged(client, world, dso_a, security_events):
    client.post(reverse("login"), {"username": "dso_a", "password": "wrong"})
    assignment = Assignment.objects.create(user=dso_a, role=Role.PDRD_REVIEWER, province=world.province_p)
    assignment.delete()
    kinds = [(e["event"], e.get("username") or e.get("member")) for e in security_events()]
    assert ("login_failed", "dso_a") in kinds
    assert ("role_assigned", "dso_a") in kinds and ("role_removed", "dso_a") in kinds


def test_exports_are_logged(client_for, world, q3, reviewer_p, security_events):
    DistrictReportFactory(district=world.district_a, period=q3, filled=True, approved=True)
    rebuild_period(q3.pk)
    response = client_for(reviewer_p).get(reverse("reports:dashboard_province_csv", args=["05", "coverage"]))
    assert response.status_code == 200
    assert any(e["event"] == "export" and e["format"] == "csv" for e in security_events())
