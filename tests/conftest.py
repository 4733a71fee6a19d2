"""Shared fixtures: a small two-district world and the personas of STYLE.md."""

import os
import uuid
from types import SimpleNamespace

import pytest

from districts.models import Commune, Role, UnitType, Village
from tests.factories import (
    AssignmentFactory,
    DistrictFactory,
    ProvinceFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Tests log users in often; the real hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def two_step_login_optional(settings):
    # Most tests log a persona in and look at one page; two-step login (on in production for PDRD, MRD and
    # administrators) has its own tests, which turn it on: tests/districts/test_mfa.py.
    settings.MFA_REQUIRED = False


@pytest.fixture(autouse=True)
def fresh_login_throttle(monkeypatch):
    """Each test starts with no failed-login counts (they live in the cache, which outlives a test)."""
    from django.core.cache.backends.locmem import LocMemCache

    from districts import login_throttle

    # A name of its own: LocMemCache instances of one name share their storage.
    monkeypatch.setattr(login_throttle, "cache", LocMemCache(f"login-throttle-{uuid.uuid4()}", {}))


@pytest.fixture
def world(db):
    """Province P with districts A and B (two communes each, two villages per commune), and province Q with C."""
    # Built in a few bulk inserts: nearly every test starts from this world.
    p = ProvinceFactory(code="05", name_latin="Kampong Speu", name_km="កំពង់ស្ពឺ")
    q = ProvinceFactory(code="25", name_latin="Tbong Khmum", name_km="ត្បូងឃ្មុំ")
    a = DistrictFactory(province=p, code="0508", name_latin="Thpong", name_km="ថ្ពង")
    b = DistrictFactory(province=p, code="0501", name_latin="Basedth", name_km="បរសេដ្ឋ")
    c = DistrictFactory(province=q, code="2501", name_latin="Dambae", name_km="តំបែរ")
    created = Commune.objects.bulk_create(
        Commune(district=district, code=f"{district.code}0{i}", name_km=f"ឃុំសាកល្បង {district.code}0{i}",
                name_latin=f"Test Commune {district.code}0{i}", unit_type=UnitType.COMMUNE)
        for district in (a, b, c)
        for i in (1, 2)
    )  # fmt: skip
    Village.objects.bulk_create(
        Village(commune=commune, code=f"{commune.code}0{j}", name_km=f"ភូមិសាកល្បង {commune.code}0{j}",
                name_latin=f"Test Village {commune.code}0{j}", unit_type=UnitType.VILLAGE)
        for commune in created
        for j in (1, 2)
    )  # fmt: skip
    communes = {commune.code: commune for commune in created}
    return SimpleNamespace(
        province_p=p,
        province_q=q,
        district_a=a,
        district_b=b,
        district_c=c,
        commune_a1=communes["050801"],
        commune_a2=communes["050802"],
        commune_b1=communes["050101"],
        commune_c1=communes["250101"],
    )


def _persona(username, role, **unit):
    user = UserFactory(username=username)
    AssignmentFactory(user=user, role=role, **unit)
    return user


@pytest.fixture
def dso_a(world):
    return _persona("dso_a", Role.DSO, district=world.district_a)


@pytest.fixture
def dso_b(world):
    return _persona("dso_b", Role.DSO, district=world.district_b)


@pytest.fixture
def focal_a1(world):
    return _persona("focal_a1", Role.COMMUNE_FOCAL_POINT, commune=world.commune_a1)


@pytest.fixture
def reviewer_p(world):
    return _persona("reviewer_p", Role.PDRD_REVIEWER, province=world.province_p)


@pytest.fixture
def pa_p(world):
    return _persona("pa_p", Role.PA_VIEWER, province=world.province_p)


@pytest.fixture
def mrd(world):
    return _persona("mrd", Role.MRD_NATIONAL)


@pytest.fixture
def administrator(world):
    user = UserFactory(username="administrator", is_staff=True, is_superuser=True)
    AssignmentFactory(user=user, role=Role.ADMINISTRATOR)
    return user


@pytest.fixture
def client_for(client):
    """Log the test client in as a user (or stay anonymous with None), in English unless told otherwise."""

    def login(user, language="en"):
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = language
        return client

    return login


# --- Browser tests (Playwright driving Debian's Chromium) --------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def artifacts_dir():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS
