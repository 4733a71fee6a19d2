"""PDF downloads: the district report and the ODF certificates (rendered in the request), and the stored provincial
and national PDFs.

Routed by reports/urls.py's pdf_urls (reports/documents/...). Every view fetches what it serves through a scoped
queryset, so a unit outside the user's reach is a 404 whichever URL is tried; stored files are
served only here (MEDIA_ROOT has no public URL) and only after the same scope check.

?lang=km|en picks the document's language (default: the page's). ?data=provisional asks the
provincial and national documents for submitted-but-unapproved reports too (marked on every page).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from districts.models import Commune, District, Province, Village
from districts.scoping import has_national_reach
from drssd_portal.security_log import log_event
from reports.documents import certificates
from reports.documents import store as pdf_store
from reports.documents.common import DOCUMENT_TITLES
from reports.documents.district_report import render_district
from reports.documents.models import PdfKind, StoredPdf
from reports.models import DistrictReport, ReportingPeriod
from reports.rollups.models import NATIONAL_CODE, DataState


def _language(request):
    wanted = request.GET.get("lang") or translation.get_language()
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _data_state(request):
    return DataState.PROVISIONAL if request.GET.get("data") == DataState.PROVISIONAL else DataState.APPROVED


def _pdf_response(request, content, filename):
    log_event("export", request=request, format="pdf", file=filename)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def district_pdf(request, district, year, quarter):
    """The district quarterly report of a district the user may read, rendered now (about a second)."""
    report = get_object_or_404(
        DistrictReport.objects.visible_to(request.user).select_related(
            "district__province", "period", "approved_by", "submitted_by"
        ),
        district__code=district,
        period__year=year,
        period__quarter=quarter,
    )
    language = _language(request)
    rendered = render_district(report, language)
    filename = f"drssd-district-{report.district.code}-{year}-Q{quarter}-{language}.pdf"
    return _pdf_response(request, rendered.content, filename)


# The certificates' units, each fetched through its scoped lookup, with what the certificate prints of the hierarchy.
CERTIFIED_UNITS = {
    "village": (Village, "commune__district__province"),
    "commune": (Commune, "district__province"),
    "district": (District, "province"),
}


@login_required
@require_GET
def certificate_pdf(request, level, code):
    """The ODF certificate of a village, commune or district the user may read (a 404 outside their reach), rendered
    now (one page); a 404 page saying why when the unit is not certified or ODF today."""
    model, related = CERTIFIED_UNITS[level]
    unit = get_object_or_404(model.objects.visible_to(request.user).select_related(related), code=code)
    language = _language(request)
    try:
        rendered = certificates.render_certificate(level, unit, language)
    except certificates.NotCertified as refusal:
        return render(request, "reports/documents/not_certified.html", {"reason": str(refusal)}, status=404)
    return _pdf_response(request, rendered.content, f"drssd-odf-certificate-{unit.code}-{language}.pdf")


@login_required
@require_GET
def provincial_pdf(request, province, year, quarter):
    province = get_object_or_404(Province.objects.visible_to(request.user), code=province)
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    return _stored(request, PdfKind.PROVINCIAL, province.code, period, unit=province)


@login_required
@require_GET
def national_pdf(request, year, quarter):
    if not has_national_reach(request.user):
        raise Http404  # SECURITY: the nation is outside every other role's scope
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    return _stored(request, PdfKind.NATIONAL, NATIONAL_CODE, period, unit=None)


def _stored(request, kind, unit_code, period, unit):
    """Serve the stored PDF when it is ready; otherwise queue it and show the progress page."""
    language, data_state = _language(request), _data_state(request)
    stored = pdf_store.request_stored_pdf(
        kind=kind, unit_code=unit_code, period=period, data_state=data_state, language=language, by=request.user
    )
    stored.refresh_from_db()  # with eager tasks (no broker) it was rendered on commit, inside the call above
    if stored.is_ready:
        return _serve(request, stored)
    return render(
        request,
        "reports/documents/progress.html",
        {
            "stored": stored,
            "unit": unit,
            "period": period,
            "title": DOCUMENT_TITLES[kind],
            "status_url": reverse("reports:pdf_status", args=[stored.public_id]),
            "file_url": reverse("reports:pdf_file", args=[stored.public_id]),
            "retry_url": request.get_full_path(),
        },
    )


def _visible_stored(user, public_id):
    """SECURITY: a stored PDF of a unit the user may read, or 404 (knowing its id is not enough)."""
    return get_object_or_404(StoredPdf.objects.visible_to(user).select_related("period"), public_id=public_id)


@login_required
@require_GET
def stored_status(request, public_id):
    stored = _visible_stored(request.user, public_id)
    return JsonResponse(
        {
            "state": stored.state,
            "state_label": stored.get_state_display(),
            "progress": stored.progress,
            "error": stored.error,
            "pages": stored.pages,
            "file_url": reverse("reports:pdf_file", args=[stored.public_id]) if stored.is_ready else None,
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_GET
def stored_file(request, public_id):
    stored = _visible_stored(request.user, public_id)
    if not stored.is_ready:
        raise Http404
    return _serve(request, stored)


def _serve(request, stored):
    log_event("export", request=request, format="pdf", file=stored.download_name)
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=stored.download_name, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
