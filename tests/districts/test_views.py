"""Every page of the foundation through the Django test client: who gets in, who sees what.

Personas and the two-province world come from tests/conftest.py: province P 05 Kampong Speu with
districts A 0508 Thpong and B 0501 Basedth, province Q 25 Tbong Khmum with district C 2501 Dambae.
"""

import re

import pytest
from django.urls import reverse

from districts.models import Role
from tests.factories import AssignmentFactory, CommuneFactory, DistrictFactory, UserFactory, VillageFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's default
LOGIN = reverse("login")


def html_lang(response):
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    return match and match.group(1)


def shows_unit(response, unit):
    """The unit's name as the _unit_name partial renders it (Latin then Khmer in brackets, or Khmer first)."""
    content = response.content.decode()
    return f"{unit.name_latin} <span" in content or f"({unit.name_km})" in content or f"{unit.name_km} <span" in content


def login_redirect(url):
    return f"{LOGIN}?next={url}"


# --- Anonymous visitors -----------------------------------------------------------------------------

PROTECTED_URLS = [
    reverse("home"),
    reverse("districts:national"),
    reverse("districts:province", args=["05"]),
    reverse("districts:district", args=["0508"]),
    reverse("districts:commune", args=["050801"]),
    reverse("password_change"),
    reverse("password_change_done"),
]


@pytest.mark.parametrize("url", PROTECTED_URLS)
def test_anonymous_visitor_is_sent_to_login(client_for, world, url):
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"] == login_redirect(url)


def test_anonymous_visitor_is_sent_to_admin_login(client_for, world):
    response = client_for(None).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={reverse('admin:index')}"


def test_anonymous_logout_just_returns_to_login(client_for):
    response = client_for(None).post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_login_page_shows_the_form(client_for):
    response = client_for(None).get(LOGIN)
    assert response.status_code == 200
    assert html_lang(response) == "en"
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_inactive_user_session_is_not_honoured(client_for, world):
    user = UserFactory(username="left", is_active=False)
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == login_redirect(reverse("home"))


# --- Home page: each role sees its own units --------------------------------------------------------

HOME_CASES = {
    # persona: (units shown, units not shown) as attribute names of the `world` fixture
    "dso_a": (["district_a", "province_p"], ["district_b", "district_c", "province_q"]),
    "dso_b": (["district_b", "province_p"], ["district_a", "district_c", "province_q"]),
    "focal_a1": (
        ["commune_a1", "district_a", "province_p"],
        ["commune_a2", "commune_b1", "district_b", "district_c", "province_q"],
    ),
    "reviewer_p": (["province_p"], ["province_q", "district_a", "district_b", "district_c"]),
    "pa_p": (["province_p"], ["province_q", "district_a", "district_b", "district_c"]),
    "mrd": ([], ["province_p", "province_q", "district_a", "district_b", "district_c"]),
    "administrator": ([], ["province_p", "province_q", "district_a", "district_b", "district_c"]),
}


@pytest.mark.parametrize("persona", list(HOME_CASES))
def test_home_lists_own_units_and_no_others(persona, request, client_for, world):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    shown, hidden = HOME_CASES[persona]
    for name in shown:
        assert shows_unit(response, getattr(world, name)), name
    for name in hidden:
        assert not shows_unit(response, getattr(world, name)), name


def test_home_links_to_own_unit_page(client_for, dso_a):
    content = client_for(dso_a).get(reverse("home")).content.decode()
    assert f'href="{reverse("districts:district", args=["0508"])}"' in content
    assert reverse("districts:district", args=["0501"]) not in content


@pytest.mark.parametrize("persona", ["mrd", "administrator"])
def test_home_offers_the_whole_country_to_national_roles(persona, request, client_for):
    content = client_for(request.getfixturevalue(persona)).get(reverse("home")).content.decode()
    assert "Cambodia — the whole country" in content
    assert f'href="{reverse("districts:national")}"' in content


def test_home_links_administration_only_for_staff(client_for, administrator, dso_a):
    admin_link = f'href="{reverse("admin:index")}"'
    assert admin_link in client_for(administrator).get(reverse("home")).content.decode()
    assert admin_link not in client_for(dso_a).get(reverse("home")).content.decode()


def test_home_tells_user_without_assignment_to_ask_for_one(client_for, world):
    response = client_for(UserFactory(username="new_hire")).get(reverse("home"))
    assert response.status_code == 200
    assert "You have no assignment yet" in response.content.decode()


def test_home_of_user_with_two_assignments_lists_both(client_for, world):
    user = UserFactory(username="dso_a_and_pdrd_q")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_q)
    response = client_for(user).get(reverse("home"))
    assert shows_unit(response, world.district_a)
    assert shows_unit(response, world.province_q)
    assert not shows_unit(response, world.district_b)


def test_home_in_khmer_sets_html_lang_and_shows_khmer_names_first(client_for, dso_a):
    response = client_for(dso_a, language="km").get(reverse("home"))
    assert response.status_code == 200
    assert html_lang(response) == "km"
    html = response.content.decode()
    assert "(Thpong)" in html
    assert html.index("ថ្ពង") < html.index("(Thpong)")


def test_home_in_english_sets_html_lang(client_for, dso_a):
    response = client_for(dso_a).get(reverse("home"))
    assert html_lang(response) == "en"
    assert "Thpong <span" in response.content.decode()


def test_home_query_count_does_not_grow_with_assignments(client_for, world, django_assert_max_num_queries):
    user = UserFactory(username="many_hats")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_b)
    AssignmentFactory(user=user, role=Role.COMMUNE_FOCAL_POINT, commune=world.commune_a1)
    AssignmentFactory(user=user, role=Role.COMMUNE_FOCAL_POINT, commune=world.commune_c1)
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_p)
    AssignmentFactory(user=user, role=Role.PA_VIEWER, province=world.province_q)
    AssignmentFactory(user=user, role=Role.MRD_NATIONAL)
    client = client_for(user)
    # session, user, assignments (with their units)
    # +2: the menu asks for the user's roles and the current quarter once per page.
    # +1: the DSO's reports returned for correction (+1 for their comments when there are some).
    # +3: the commune focal point's quarters: open ones, those with the commune's figures, their district reports.
    # +2: the DSO's open quarters still to fill in (the open quarters, their reports).
    with django_assert_max_num_queries(10):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert shows_unit(response, world.commune_c1)


# --- Unit pages: in scope 200, out of scope 404 -------------------------------------------------------


def unit_url(level, code):
    return reverse(f"districts:{level}", args=[code])


ACCESS = {
    "dso_a": {
        ("district", "0508"): 200,
        ("district", "0501"): 404,
        ("district", "2501"): 404,
        ("province", "05"): 404,
        ("province", "25"): 404,
        ("commune", "050801"): 200,
        ("commune", "050802"): 200,
        ("commune", "050101"): 404,
    },
    "dso_b": {
        ("district", "0501"): 200,
        ("district", "0508"): 404,
        ("province", "05"): 404,
        ("commune", "050101"): 200,
        ("commune", "050801"): 404,
    },
    "focal_a1": {
        ("commune", "050801"): 200,
        ("commune", "050802"): 404,
        ("district", "0508"): 404,
        ("province", "05"): 404,
    },
    "reviewer_p": {
        ("province", "05"): 200,
        ("province", "25"): 404,
        ("district", "0508"): 200,
        ("district", "0501"): 200,
        ("district", "2501"): 404,
        ("commune", "050801"): 200,
        ("commune", "050101"): 200,
        ("commune", "250101"): 404,
    },
    "pa_p": {
        ("province", "05"): 200,
        ("province", "25"): 404,
        ("district", "0508"): 200,
        ("district", "0501"): 200,
        ("district", "2501"): 404,
        ("commune", "250101"): 404,
    },
    "mrd": {
        ("province", "05"): 200,
        ("province", "25"): 200,
        ("district", "0508"): 200,
        ("district", "2501"): 200,
        ("commune", "250101"): 200,
        ("district", "9999"): 404,
    },
    "administrator": {
        ("province", "05"): 200,
        ("province", "25"): 200,
        ("district", "2501"): 200,
        ("commune", "050801"): 200,
        ("province", "99"): 404,
    },
}


@pytest.mark.parametrize(
    "persona,level,code,status",
    [(persona, level, code, status) for persona, cases in ACCESS.items() for (level, code), status in cases.items()],
)
def test_unit_page_is_open_in_scope_and_404_outside(persona, level, code, status, request, client_for):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(unit_url(level, code))
    assert response.status_code == status


def test_user_with_two_assignments_opens_pages_of_both(client_for, world):
    user = UserFactory(username="dso_a_and_pdrd_q")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_q)
    client = client_for(user)
    assert client.get(unit_url("district", "0508")).status_code == 200
    assert client.get(unit_url("district", "2501")).status_code == 200
    assert client.get(unit_url("province", "25")).status_code == 200
    assert client.get(unit_url("province", "05")).status_code == 404
    assert client.get(unit_url("district", "0501")).status_code == 404


def test_district_page_lists_its_communes_only(client_for, dso_a, world):
    response = client_for(dso_a).get(unit_url("district", "0508"))
    assert shows_unit(response, world.district_a)
    assert shows_unit(response, world.commune_a1)
    assert shows_unit(response, world.commune_a2)
    assert not shows_unit(response, world.commune_b1)


def test_district_page_links_province_only_for_those_who_may_read_it(client_for, dso_a, reviewer_p):
    province_link = f'href="{unit_url("province", "05")}"'
    assert province_link not in client_for(dso_a).get(unit_url("district", "0508")).content.decode()
    assert province_link in client_for(reviewer_p).get(unit_url("district", "0508")).content.decode()


def test_commune_page_lists_its_villages_and_links_district_only_if_readable(client_for, focal_a1, dso_a, world):
    district_link = f'href="{unit_url("district", "0508")}"'
    response = client_for(focal_a1).get(unit_url("commune", "050801"))
    for village in world.commune_a1.villages.all():
        assert shows_unit(response, village)
    for village in world.commune_a2.villages.all():
        assert not shows_unit(response, village)
    assert district_link not in response.content.decode()
    assert district_link in client_for(dso_a).get(unit_url("commune", "050801")).content.decode()


def test_province_page_lists_its_districts_only(client_for, reviewer_p, world):
    response = client_for(reviewer_p).get(unit_url("province", "05"))
    assert shows_unit(response, world.district_a)
    assert shows_unit(response, world.district_b)
    assert not shows_unit(response, world.district_c)


def test_province_page_shows_retired_district_with_its_successors(client_for, reviewer_p, world):
    old = DistrictFactory(
        province=world.province_p, code="0505", name_latin="Odongk", name_km="ឧដុង្គ", retired_on="2022-12-23"
    )
    new = DistrictFactory(province=world.province_p, code="0509", name_latin="Odongk Maechay")
    old.successors.set([new])
    content = client_for(reviewer_p).get(unit_url("province", "05")).content.decode()
    assert "Odongk <span" in content
    assert "Replaced by: 0509 Odongk Maechay" in content


def test_province_page_query_count_does_not_grow_with_districts(
    client_for, reviewer_p, world, django_assert_max_num_queries
):
    for number in range(2, 8):
        district = DistrictFactory(
            province=world.province_p, code=f"05{number + 10:02d}", retired_on="2022-12-23" if number % 2 else None
        )
        district.successors.set([world.district_a])
        VillageFactory(commune=CommuneFactory(district=district))
    client = client_for(reviewer_p)
    # session, user, province, districts with counts, successors
    with django_assert_max_num_queries(7):
        response = client.get(unit_url("province", "05"))
    assert response.status_code == 200
    assert len(response.context["districts"]) == 8


def test_district_page_query_count_is_constant(client_for, dso_a, world, django_assert_max_num_queries):
    for _ in range(5):
        VillageFactory(commune=CommuneFactory(district=world.district_a))
    client = client_for(dso_a)
    with django_assert_max_num_queries(7):
        assert client.get(unit_url("district", "0508")).status_code == 200


# --- National page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mrd", "administrator"])
def test_national_page_is_open_to_national_roles(persona, request, client_for, world):
    response = client_for(request.getfixturevalue(persona)).get(reverse("districts:national"))
    assert response.status_code == 200
    assert shows_unit(response, world.province_p)
    assert shows_unit(response, world.province_q)


@pytest.mark.parametrize("persona", ["dso_a", "dso_b", "focal_a1", "reviewer_p", "pa_p"])
def test_national_page_is_forbidden_to_everyone_else(persona, request, client_for):
    response = client_for(request.getfixturevalue(persona)).get(reverse("districts:national"))
    assert response.status_code == 403


def test_national_page_counts_units_per_province(client_for, mrd, django_assert_max_num_queries):
    client = client_for(mrd)
    # +2 for the national PDF's quarters: each with its report counts, and the districts expected.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("districts:national"))
    counts = {p.code: (p.district_count, p.commune_count, p.village_count) for p in response.context["provinces"]}
    assert counts == {"05": (2, 4, 8), "25": (1, 2, 4)}


# --- Administration -----------------------------------------------------------------------------------


def test_admin_is_open_to_staff(client_for, administrator):
    response = client_for(administrator).get(reverse("admin:index"))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["dso_a", "focal_a1", "reviewer_p", "pa_p", "mrd"])
def test_admin_sends_non_staff_to_admin_login(persona, request, client_for):
    response = client_for(request.getfixturevalue(persona)).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={reverse('admin:index')}"


# --- Language -----------------------------------------------------------------------------------------


def test_default_language_is_khmer(client, dso_a):
    client.force_login(dso_a)
    assert html_lang(client.get(reverse("home"))) == "km"


def test_language_switch_sets_cookie_and_next_page_language(client, dso_a, settings):
    client.force_login(dso_a)
    home = reverse("home")

    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    assert response["Location"] == home
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert html_lang(client.get(home)) == "en"

    response = client.post(reverse("set_language"), {"language": "km", "next": home})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "km"
    assert html_lang(client.get(home)) == "km"


def test_language_switch_keeps_the_user_on_the_same_page(client_for, dso_a):
    page = unit_url("district", "0508")
    client = client_for(dso_a)
    response = client.post(reverse("set_language"), {"language": "km", "next": page}, follow=True)
    assert response.redirect_chain == [(page, 302)]
    assert html_lang(response) == "km"


def test_language_switch_refuses_foreign_next_url(client_for, dso_a):
    response = client_for(dso_a).post(reverse("set_language"), {"language": "km", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_language_switcher_is_on_the_login_page(client_for):
    content = client_for(None).get(LOGIN).content.decode()
    assert 'id="language-switcher"' in content
    assert 'value="km"' in content and 'value="en"' in content


def test_language_switcher_names_each_language_in_its_own_script(client_for, dso_a):
    # A reader who landed in the wrong language must still recognise their own. {% get_available_languages %}
    # would run the names through gettext and label the English button "ភាសាអង់គ្លេស" on Khmer pages.
    for language in ("en", "km"):
        content = client_for(dso_a, language=language).get(reverse("home")).content.decode()
        buttons = dict(re.findall(r'name="language" value="(\w+)".*?>([^<]*)</button>', content, re.S))
        assert buttons == {"km": "ខ្មែរ", "en": "English"}, f"language switcher on the {language} page"


# --- Unit names ----------------------------------------------------------------------------------------


def test_unit_without_latin_name_is_named_once_in_english(client_for, dso_a, world):
    # Some new villages have no Latin spelling yet (e.g. 02010508 ប៉ៃឡាំ in the 2024 gazetteer).
    VillageFactory(commune=world.commune_a1, code="05080199", name_latin="", name_km="ប៉ៃឡាំ")
    content = client_for(dso_a).get(unit_url("commune", "050801")).content.decode()
    assert content.count("ប៉ៃឡាំ") == 1, "Khmer-only name rendered twice: 'ប៉ៃឡាំ (ប៉ៃឡាំ)'"


def test_unit_without_latin_name_is_named_once_in_khmer(client_for, dso_a, world):
    VillageFactory(commune=world.commune_a1, code="05080199", name_latin="", name_km="ប៉ៃឡាំ")
    content = client_for(dso_a, language="km").get(unit_url("commune", "050801")).content.decode()
    assert content.count("ប៉ៃឡាំ") == 1
