"""ODF certificates: a certified village's, an ODF commune's and district's, read back from the PDF; refused for a unit
that is not certified or ODF; scoped like every other document.

The world's district A (Thpong, province P) has two communes of two villages each. Villages are certified through
the ODF workflow (tests/reports/odf/conftest.py: declared by dso_a, verified by dso_b of district B, certified by
reviewer_p). Khmer text is compared on its skeleton (test_documents.py says why).
"""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from districts.models import Commune, Role, Village
from reports.documents import certificates, numbering
from reports.documents.models import DocumentNumber, PdfKind
from reports.odf import status, workflow
from tests.factories import AssignmentFactory, UserFactory, VillageFactory
from tests.reports.documents.pdfs import first_page_png, pdf_pages, pdf_text
from tests.reports.documents.test_documents import assert_khmer_in, no_missing_glyphs  # noqa: F401 (a fixture)
from tests.reports.odf.conftest import person, village, walk  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(dso_a, dso_b, reviewer_p):
    """The actors with full names, to be read back from the PDF."""
    for user, (first, last) in (
        (dso_a, ("Vanna", "Kim")),
        (dso_b, ("Piseth", "Nhem")),
        (reviewer_p, ("Sophea", "Long")),
    ):
        user.first_name, user.last_name = first, last
        user.save()
    return dso_b, reviewer_p


def certify_all(walk, villages):  # noqa: F811
    return [walk.certified(v) for v in villages]


def village_url(code, language="en"):
    return reverse("reports:pdf_certificate_village", args=[code]) + f"?lang={language}"


def pdf_of(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def this_year():
    return timezone.localdate().year


# --- What each certificate prints ------------------------------------------------------------------------------


@pytest.mark.slow
def test_village_certificate_in_english_names_the_visit_the_team_and_the_certifier(
    walk,  # noqa: F811
    village,  # noqa: F811
    named,
    no_missing_glyphs,  # noqa: F811
):
    # A team of four: dso_b and the focal points of three other communes of the province.
    focal = [
        person(f"focal_{code}", Role.COMMUNE_FOCAL_POINT, commune=Commune.objects.get(code=code))
        for code in ("050802", "050101", "050102")
    ]
    claim = walk.visited(walk.assigned(walk.claimed(village), members=[named[0], *focal]))
    workflow.certify(claim=claim, by=named[1])
    claim.refresh_from_db()
    rendered = certificates.render_certificate("village", village, "en")
    pages = pdf_pages(rendered.content)
    text = " ".join(pages)
    assert rendered.pages == len(pages) == 1  # a team of four still leaves the signatures on the one page
    assert "Commune focal point (CCWC), Test Commune 050101 Commune, Basedth District" in text
    assert "Kingdom of Cambodia" in text and "Nation Religion King" in text
    assert "Provincial Department of Rural Development of Kampong Speu" in text
    assert f"No. 05/{this_year()}/001" in text  # the PDRD's numbering, shared with its provincial summaries
    assert "ODF village certificate" in text
    for name in ("Test Village 05080101", "Test Commune 050801", "Thpong", "Kampong Speu"):
        assert name in text
    assert "40" in text  # households visited
    assert "Piseth Nhem" in text and "District Sanitation Officer, Basedth District" in text  # the team, with posts
    assert "Sophea Long" in text and "Certified by" in text  # the certifying PDRD officer
    day = claim.certified_on
    assert f"Certified on {day.day} " in text and "Seen and approved" in text and "Signature and seal" in text
    assert "Done at Kampong Speu Province" in text
    first_page_png(rendered.content, "pdf-certificate-village-en", dpi=90)


@pytest.mark.slow
def test_village_certificate_in_khmer_has_the_same_number_in_khmer_digits(
    walk,  # noqa: F811
    village,  # noqa: F811
    named,
    no_missing_glyphs,  # noqa: F811
):
    walk.certified(village)
    english = pdf_text(certificates.render_certificate("village", village, "en").content)
    rendered = certificates.render_certificate("village", village, "km")
    text = pdf_text(rendered.content)
    assert rendered.pages == 1
    assert_khmer_in(["ព្រះរាជាណាចក្រកម្ពុជា", "ជាតិសាសនាព្រះមហាក្សត្រ", "មន្ទីរអភិវឌ្ឍន៍ជនបទខេត្តកំពង់ស្ពឺ"], text)
    assert_khmer_in(["ភូមិសាកល្បង", "ថ្ពង", "វិញ្ញាបនបត្រ", "ក្រុមផ្ទៀងផ្ទាត់"], text)
    year = str(this_year()).translate(numbering.KHMER_DIGITS)
    assert f"០៥/{year}/០០១" in text and f"05/{this_year()}/001" in english  # one number, on every copy
    assert DocumentNumber.objects.filter(kind=PdfKind.CERTIFICATE).count() == 1
    assert "Piseth Nhem" in text and "Sophea Long" in text  # names as written
    first_page_png(rendered.content, "pdf-certificate-village-km", dpi=90)


@pytest.mark.slow
def test_commune_and_district_certificates_list_their_villages_and_communes(
    world,
    walk,  # noqa: F811
    named,
    no_missing_glyphs,  # noqa: F811
):
    certify_all(walk, Village.objects.filter(commune__district=world.district_a).order_by("code"))
    commune = certificates.render_certificate("commune", world.commune_a1, "en")
    text = pdf_text(commune.content)
    assert commune.pages == 1 and "ODF commune certificate" in text
    assert "Test Village 05080101" in text and "Test Village 05080102" in text and "Sophea Long" in text
    assert "Test Village 05080201" not in text  # another commune's
    district = certificates.render_certificate("district", world.district_a, "en")
    text = pdf_text(district.content)
    assert district.pages == 1 and "ODF district certificate" in text
    assert "Test Commune 050801" in text and "Test Commune 050802" in text
    assert f"No. 05/{this_year()}/" in text and "Kingdom of Cambodia" in text
    first_page_png(commune.content, "pdf-certificate-commune-en", dpi=90)
    first_page_png(district.content, "pdf-certificate-district-en", dpi=90)
    assert_khmer_in(["ឃុំសាកល្បង"], pdf_text(certificates.render_certificate("commune", world.commune_a1, "km").content))


@pytest.mark.slow
def test_certificates_are_valid_pdf_a_3b_with_the_reference_number_in_the_title(walk, village):  # noqa: F811
    import page
    from pypdf import PdfReader

    walk.certified(village)
    for language in ("en", "km"):
        content = certificates.render_certificate("village", village, language).content
        report = page.validate_pdf_bytes(content, profile="3b")
        assert report.is_compliant, (language, [(f.rule_id, f.message) for f in report.failures])
        reader = PdfReader(BytesIO(content))
        assert reader.trailer["/Root"]["/Lang"] == language
        if language == "en":
            assert reader.metadata.title.endswith(f"No. 05/{this_year()}/001"), reader.metadata.title
            assert "Provincial Department of Rural Development of Kampong Speu" in reader.metadata.author


# --- Refused when not certified --------------------------------------------------------------------------------


def test_no_certificate_for_a_village_not_certified_nor_for_a_commune_or_district_not_odf(
    world,
    walk,  # noqa: F811
    village,  # noqa: F811
):
    with pytest.raises(certificates.NotCertified):
        certificates.village_certificate(village, "en")
    walk.visited(walk.assigned(walk.claimed(village)))  # passed, not yet certified
    with pytest.raises(certificates.NotCertified):
        certificates.village_certificate(village, "en")
    walk.certified(Village.objects.get(code="05080102"))
    with pytest.raises(certificates.NotCertified):
        certificates.commune_certificate(world.commune_a1, "en")  # one of its two villages is certified
    with pytest.raises(certificates.NotCertified):
        certificates.district_certificate(world.district_a, "en")
    assert not DocumentNumber.objects.exists()  # a refusal takes no number


def test_a_slipped_village_has_no_certificate_until_certified_again(walk, village, reviewer_p):  # noqa: F811
    walk.certified(village)
    certificates.village_certificate(village, "en")
    workflow.record_slippage(village=village, by=reviewer_p, slipped_on=timezone.localdate(), reason="Seen.")
    with pytest.raises(certificates.NotCertified):
        certificates.village_certificate(village, "en")


@pytest.mark.parametrize(
    "case",
    [
        "retired_uncertified",
        "retired_tomorrow",
        "successor_inherits",
        "successor_of_uncertified",
        "successor_slipped",
        "successor_certified_itself",
    ],
)
def test_commune_and_district_certificates_are_issued_exactly_when_the_status_module_says_odf(
    world,
    walk,  # noqa: F811
    reviewer_p,
    case,
):
    """Retired villages and the successors that replace them: a certificate is issued when, and only when,
    reports/odf/status.py counts the commune or district ODF, and lists the villages status counts."""
    today = timezone.localdate()
    certify_all(walk, Village.objects.filter(commune=world.commune_a2))  # the district follows commune A1
    first, second = world.commune_a1.villages.order_by("code")
    walk.certified(first)
    retired_on = today + datetime.timedelta(days=1) if case == "retired_tomorrow" else today
    if case in ("successor_inherits", "successor_slipped", "successor_certified_itself"):
        walk.certified(second)
    Village.objects.filter(pk=second.pk).update(retired_on=retired_on)
    if case.startswith("successor"):
        successor = VillageFactory(commune=world.commune_a1, code="05080103", name_latin="Successor Village")
        second.successors.add(successor)
        if case == "successor_slipped":
            workflow.record_slippage(village=successor, by=reviewer_p, slipped_on=today, reason="Seen.")
        if case == "successor_certified_itself":
            workflow.record_slippage(village=successor, by=reviewer_p, slipped_on=today, reason="Seen.")
            walk.certified(successor)

    expected = {
        "retired_uncertified": True,
        "retired_tomorrow": False,  # still active today, and not certified
        "successor_inherits": True,
        "successor_of_uncertified": False,
        "successor_slipped": False,
        "successor_certified_itself": True,
    }[case]
    assert status.commune_is_odf(world.commune_a1) is expected
    assert status.district_is_odf(world.district_a) is expected
    for build, unit in (
        (certificates.commune_certificate, world.commune_a1),
        (certificates.district_certificate, world.district_a),
    ):
        if expected:
            build(unit, "en")
        else:
            with pytest.raises(certificates.NotCertified):
                build(unit, "en")
    if expected:
        listed = [row.unit.code for row in certificates.commune_certificate(world.commune_a1, "en")["rows"]]
        assert listed == [v.code for v in status.standing([world.commune_a1]).villages[world.commune_a1.pk]]
        assert second.code not in listed  # retired: its successor, if any, is listed instead


def test_the_download_says_why_there_is_no_certificate(world, dso_a, client_for):
    response = client_for(dso_a).get(village_url("05080101"))
    assert response.status_code == 404
    assert "is not certified ODF" in response.content.decode()
    response = client_for(dso_a).get(reverse("reports:pdf_certificate_district", args=["0508"]))
    assert response.status_code == 404 and "is not ODF" in response.content.decode()


# --- Scoped ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "pa_p", "mrd"])
def test_readers_of_the_village_download_its_certificate(
    walk,  # noqa: F811
    village,  # noqa: F811
    persona,
    request,
    client_for,
):
    walk.certified(village)
    content = pdf_of(client_for(request.getfixturevalue(persona)).get(village_url(village.code)))
    assert "ODF village certificate" in pdf_text(content)


def test_another_provinces_reviewer_and_the_verifier_from_elsewhere_get_404(
    world,
    walk,  # noqa: F811
    village,  # noqa: F811
    dso_b,
    client_for,
):
    walk.certified(village)
    reviewer_q = UserFactory(username="reviewer_q_cert")
    AssignmentFactory(user=reviewer_q, role=Role.PDRD_REVIEWER, province=world.province_q)
    for user in (reviewer_q, dso_b):  # dso_b verified it, but reads only district B
        client = client_for(user)
        assert client.get(village_url(village.code)).status_code == 404
        assert client.get(reverse("reports:pdf_certificate_commune", args=["050801"])).status_code == 404
        assert client.get(reverse("reports:pdf_certificate_district", args=["0508"])).status_code == 404


def test_the_village_odf_page_links_the_certificate_only_when_certified(
    walk,  # noqa: F811
    village,  # noqa: F811
    dso_a,
    client_for,
):
    page = reverse("reports:odf_village", args=[village.code])
    client = client_for(dso_a)
    assert reverse("reports:pdf_certificate_village", args=[village.code]) not in client.get(page).content.decode()
    walk.certified(village)
    html = client.get(page).content.decode()
    assert village_url(village.code, "km") in html and village_url(village.code, "en") in html
    assert reverse("reports:pdf_certificate_commune", args=["050801"]) not in html  # the commune is not ODF yet
    walk.certified(Village.objects.get(code="05080102"))
    html = client.get(page).content.decode()
    assert reverse("reports:pdf_certificate_commune", args=["050801"]) in html
    assert reverse("reports:pdf_certificate_district", args=["0508"]) not in html
