"""Fixtures for the ODF lifecycle: a village of commune A1 (district A, province P), verifiers from elsewhere, and
helpers that walk a claim through its states with the workflow functions."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from districts.models import Role, Village
from reports.odf import workflow
from reports.odf.models import ChecklistItem, OdfClaim, OdfVisit
from tests.factories import AssignmentFactory, UserFactory

TODAY = timezone.localdate


def person(username, role, **unit):
    user = UserFactory(username=username, first_name=username.title(), last_name="Test")
    AssignmentFactory(user=user, role=role, **unit)
    return user


@pytest.fixture
def village(world):
    return Village.objects.select_related("commune__district__province").get(code="05080101")


@pytest.fixture
def focal_a2(world):
    """The focal point of commune A2: same district as the village, another commune."""
    return person("focal_a2", Role.COMMUNE_FOCAL_POINT, commune=world.commune_a2)


@pytest.fixture
def dso_c(world):
    """A DSO of district C, in province Q: not of the village's province."""
    return person("dso_c", Role.DSO, district=world.district_c)


@pytest.fixture
def reviewer_p2(world):
    return person("reviewer_p2", Role.PDRD_REVIEWER, province=world.province_p)


def all_met():
    return {item.pk: True for item in ChecklistItem.objects.active()}


@pytest.fixture
def walk(dso_a, reviewer_p, dso_b):
    """Steps of the lifecycle with the usual actors: walk.claimed(village), walk.assigned(claim), ..."""

    def claimed(village, by=dso_a):
        return workflow.claim(village=village, by=by, declared_on=TODAY(), evidence="Every household has a latrine.")

    def assigned(claim, members=(dso_b,), due_on=None):
        due = due_on or TODAY() + datetime.timedelta(days=14)
        workflow.assign_team(claim=claim, by=reviewer_p, members=list(members), due_on=due)
        return OdfClaim.objects.get(pk=claim.pk)

    def visited(claim, result=OdfVisit.Result.PASS, by=dso_b, answers=None, reasons=""):
        workflow.record_visit(
            claim=claim,
            by=by,
            visited_on=TODAY(),
            households_visited=40,
            answers=answers or all_met(),
            result=result,
            reasons=reasons,
        )
        return OdfClaim.objects.get(pk=claim.pk)

    def certified(village):
        claim = visited(assigned(claimed(village)))
        workflow.certify(claim=claim, by=reviewer_p)
        return OdfClaim.objects.get(pk=claim.pk)

    return SimpleNamespace(claimed=claimed, assigned=assigned, visited=visited, certified=certified)


def backdate(claim, certified_on):
    """Pretend the claim was certified on `certified_on` (and at that moment)."""
    at = timezone.make_aware(datetime.datetime.combine(certified_on, datetime.time(12)))
    OdfClaim.objects.filter(pk=claim.pk).update(certified_on=certified_on, certified_at=at)
