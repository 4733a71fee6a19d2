"""What the review pages' browser tests share: Kampong Speu's Thpong district with its people, and logging in."""

from types import SimpleNamespace

from playwright.sync_api import expect

from districts.models import Role
from tests.factories import (
    AssignmentFactory,
    CommuneFactory,
    DistrictFactory,
    ProvinceFactory,
    UserFactory,
    VillageFactory,
)

PASSWORD = "correct-horse-battery"  # UserFactory's


def thpong():
    """Province 05 with district 0508 (no communes yet), its DSO Sokha Chea and PDRD reviewer Dara Meas."""
    province = ProvinceFactory(code="05", name_latin="Kampong Speu", name_km="កំពង់ស្ពឺ")
    district = DistrictFactory(province=province, code="0508", name_latin="Thpong", name_km="ថ្ពង")
    dso = UserFactory(username="dso_thpong", first_name="Sokha", last_name="Chea")
    AssignmentFactory(user=dso, role=Role.DSO, district=district)
    reviewer = UserFactory(username="reviewer_ks", first_name="Dara", last_name="Meas")
    AssignmentFactory(user=reviewer, role=Role.PDRD_REVIEWER, province=province)
    return SimpleNamespace(province=province, district=district, dso=dso, reviewer=reviewer)


def two_communes_of_two_villages(district):
    """Communes 0508 01 and 02, villages 01 and 02 in each ("Village 1.2", "ភូមិ 1.2")."""
    for i in (1, 2):
        commune = CommuneFactory(district=district, code=f"05080{i}", name_latin=f"Commune {i}", name_km=f"ឃុំ {i}")
        for j in (1, 2):
            VillageFactory(
                commune=commune, code=f"{commune.code}0{j}", name_latin=f"Village {i}.{j}", name_km=f"ភូមិ {i}.{j}"
            )


def log_in(page, base, username, next_path):
    """Log in on the login page and land on `next_path`."""
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#submit-id-submit")  # the language switcher has submit buttons too
    expect(page).to_have_url(f"{base}{next_path}")
