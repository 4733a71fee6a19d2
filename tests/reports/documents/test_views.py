"""PDF URLs: who may download what, and stored files that cannot be fetched by guessing their URL."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from reports.documents.models import PdfState, StoredPdf
from reports.models import ReportingPeriod
from tests.reports.documents.pdfs import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each builds the PDF dataset and most render


def district_url(code="0508", language="en"):
    return reverse("reports:pdf_district", args=[code, 2019, 3]) + f"?lang={language}"


def provincial_url(code="05", **params):
    query = "&".join(f"{k}={v}" for k, v in {"lang": "en", **params}.items())
    return reverse("reports:pdf_provincial", args=[code, 2019, 3]) + "?" + query


def national_url(**params):
    query = "&".join(f"{k}={v}" for k, v in {"lang": "en", **params}.items())
    return reverse("reports:pdf_national", args=[2019, 3]) + "?" + query


def pdf_of(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- District report ----------------------------------------------------------------------------------------


def test_dso_downloads_their_district_report_in_both_languages(pdf_data, dso_a, client_for):
    client = client_for(dso_a)
    english = pdf_text(pdf_of(client.get(district_url(language="en"))))
    assert "Thpong" in english and "District quarterly report" in english
    khmer = pdf_of(client.get(district_url(language="km")))
    assert "(Thpong)" in pdf_text(khmer)


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_readers_of_the_province_and_the_nation_download_the_district_report(pdf_data, persona, request, client_for):
    user = request.getfixturevalue(persona)
    assert "Thpong" in pdf_text(pdf_of(client_for(user).get(district_url())))


@pytest.mark.parametrize("persona", ["dso_b", "focal_a1", "reviewer_q"])
def test_district_report_of_another_unit_is_not_found(pdf_data, persona, request, client_for):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(district_url()).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(pdf_data, client_for):
    for url in (district_url(), provincial_url(), national_url()):
        response = client_for(None).get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_pdf_urls_accept_no_post(pdf_data, dso_a, client_for):
    assert client_for(dso_a).post(district_url()).status_code == 405


# --- Stored PDFs: provincial and national ---------------------------------------------------------------------


def test_pdrd_reviewer_gets_the_provincial_summary_at_once_with_eager_tasks(
    pdf_data, reviewer_p, client_for, django_capture_on_commit_callbacks
):
    client = client_for(reviewer_p)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get(provincial_url())
    # Queued on commit, rendered eagerly: the progress page already shows the download.
    assert len(callbacks) == 1
    assert response.status_code == 200
    stored = StoredPdf.objects.get()
    assert stored.state == PdfState.READY and stored.progress == 100 and stored.pages > 0
    assert reverse("reports:pdf_file", args=[stored.public_id]) in response.content.decode()
    text = pdf_text(pdf_of(client.get(reverse("reports:pdf_file", args=[stored.public_id]))))
    assert "Provincial quarterly summary" in text and "Kampong Speu" in text
    # The same request again: served from the stored file at once, no new task.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.get(provincial_url())
    assert callbacks == []
    assert "Kampong Speu" in pdf_text(pdf_of(again))
    assert StoredPdf.objects.count() == 1


def test_provisional_and_approved_documents_are_stored_apart(
    pdf_data, reviewer_p, client_for, django_capture_on_commit_callbacks
):
    client = client_for(reviewer_p)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(provincial_url())
        client.get(provincial_url(data="provisional"))
    assert sorted(StoredPdf.objects.values_list("data_state", flat=True)) == ["approved", "provisional"]


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_q", "focal_a1"])
def test_provincial_summary_of_another_province_is_not_found(pdf_data, persona, request, client_for):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(provincial_url()).status_code == 404
    assert StoredPdf.objects.count() == 0


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "pa_p"])
def test_national_rollup_is_for_national_roles_only(pdf_data, persona, request, client_for):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(national_url()).status_code == 404


def test_mrd_gets_the_national_rollup(pdf_data, mrd, client_for, django_capture_on_commit_callbacks):
    client = client_for(mrd)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(national_url())
    stored = StoredPdf.objects.get()
    text = pdf_text(pdf_of(client.get(reverse("reports:pdf_file", args=[stored.public_id]))))
    assert "National rollup" in text and "Tbong Khmum" in text


def test_stored_pdf_cannot_be_fetched_by_guessing(
    pdf_data, reviewer_p, reviewer_q, dso_a, mrd, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer_p).get(provincial_url())
    stored = StoredPdf.objects.get()
    file_url = reverse("reports:pdf_file", args=[stored.public_id])
    status_url = reverse("reports:pdf_status", args=[stored.public_id])
    # Knowing the id is not enough outside the province.
    for outsider in (reviewer_q, dso_a):
        client = client_for(outsider)
        assert client.get(file_url).status_code == 404
        assert client.get(status_url).status_code == 404
    assert Client().get(file_url).status_code == 302  # anonymous: to the login page
    # The national reach reads every province's stored PDF.
    assert client_for(mrd).get(file_url).status_code == 200
    # A made-up id, the file's name under MEDIA_ROOT, or a media or static URL: nothing.
    client = client_for(reviewer_p)
    assert client.get(reverse("reports:pdf_file", args=[uuid.uuid4()])).status_code == 404
    name = stored.file.name
    assert name.startswith("pdfs/") and str(stored.public_id) not in name
    for guess in (
        f"/media/{name}",
        f"/{name}",
        f"/static/{name}",
        f"/reports/documents/file/{name}",
        f"/reports/documents/{name}",
        f"/media/pdfs/{stored.period_id}/",
    ):
        assert client.get(guess).status_code == 404, guess


def test_status_endpoint_reports_progress(pdf_data, reviewer_p, client_for):
    from reports.documents import store as pdf_store
    from reports.rollups.models import DataState

    stored = pdf_store.request_stored_pdf(
        kind="provincial",
        unit_code="05",
        period=pdf_data.q3,
        data_state=DataState.APPROVED,
        language="en",
        by=reviewer_p,
    )
    client = client_for(reviewer_p)
    status = client.get(reverse("reports:pdf_status", args=[stored.public_id])).json()
    assert status["state"] == "queued" and status["file_url"] is None
    # The progress page polls that endpoint and offers nothing to download yet.
    page = client.get(provincial_url()).content.decode()
    assert reverse("reports:pdf_status", args=[stored.public_id]) in page and 'id="pdf-download"' in page
    assert "Language: English · approved reports only" in " ".join(page.split())
    assert 'id="pdf-download" href="' + reverse("reports:pdf_file", args=[stored.public_id]) + '" hidden' in page
    assert client.get(reverse("reports:pdf_file", args=[stored.public_id])).status_code == 404


def test_report_and_provincial_pages_link_to_their_pdfs(pdf_data, reviewer_p, mrd, client_for):
    client = client_for(reviewer_p)
    page = client.get(reverse("reports:report", args=["0508", 2019, 3])).content.decode()
    assert reverse("reports:pdf_district", args=["0508", 2019, 3]) + "?lang=km" in page
    page = client.get(reverse("reports:provincial", args=["05", 2019, 3])).content.decode()
    assert reverse("reports:pdf_provincial", args=["05", 2019, 3]) + "?lang=en" in page
    page = client_for(mrd).get(reverse("districts:national")).content.decode()
    assert reverse("reports:pdf_national", args=[2019, 3]) + "?lang=km" in page


def test_progress_page_says_which_document_language_and_data_it_prepares(pdf_data, reviewer_p, client_for):
    client = client_for(reviewer_p)
    client.cookies["django_language"] = "km"
    page = client.get(provincial_url(lang="km", data="provisional")).content.decode()
    assert "ខ្មែរ" in page and 'id="pdf-what"' in page
    assert "បណ្តោះអាសន្ន" in page and "PROVISIONAL" not in page


def test_national_page_offers_the_latest_quarter_with_approved_reports_first(pdf_data, mrd, client_for):
    """Q4 2019 exists but holds no report: its national PDF would be pages of dashes, so Q3 comes first and Q4 is
    listed below it as empty."""
    ReportingPeriod.objects.create(year=2019, quarter=4, deadline=datetime.date(2020, 1, 15))
    page = client_for(mrd).get(reverse("districts:national")).content.decode()
    default = page[page.index('id="national-pdf"') : page.index("<details>")]
    assert reverse("reports:pdf_national", args=[2019, 3]) in default
    assert reverse("reports:pdf_national", args=[2019, 4]) not in default
    assert "Q3 2019 (PDF), 2 of 3 district reports approved" in " ".join(default.split())
    listing = page[page.index("<details>") :]
    assert reverse("reports:pdf_national", args=[2019, 4]) in listing and "no reports yet" in listing
