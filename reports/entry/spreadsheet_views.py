"""The report's spreadsheet: download (the template, pre-filled; also the export of the quarter's figures) and
upload (the import). See reports/entry/spreadsheet.py for what is in the file and how it is checked."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from districts.models import Commune, District
from drssd_portal.auth import login_required_keeping_post
from drssd_portal.security_log import log_event
from reports.entry import spreadsheet, writes
from reports.entry.views import _conflict_facts, readable_district
from reports.models import DistrictReport, ReportingPeriod
from reports.workbooks import CONTENT_TYPE


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Filled spreadsheet (.xlsx, or .csv with the same columns)"))


@login_required_keeping_post
@require_GET
def download(request, district, year, quarter):
    """The district's spreadsheet, or with ?commune=CODE one commune's (a commune focal point's own)."""
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    commune = None
    if request.GET.get("commune"):
        # SECURITY: 404 outside the user's reach, as the commune page.
        commune = get_object_or_404(
            Commune.objects.visible_to(request.user).select_related("district"),
            code=request.GET["commune"],
            district__code=district,
        )
        district = commune.district
    else:
        district = readable_district(request.user, district)  # SECURITY: 404 outside the user's reach
    report = DistrictReport.objects.filter(district=district, period=period).first()
    if report is None and period.is_open and _allowed(request.user, district) != set():
        report = writes.open_report(district=district, period=period)  # as opening a commune page does
    if report is None:
        raise Http404(_("There is no report of this district for this quarter yet."))
    only = [commune.code] if commune is not None else None
    kind = "csv" if request.GET.get("format") == "csv" else "xlsx"
    unit = commune.code if commune is not None else district.code
    log_event("export", request=request, format=kind, table="district-spreadsheet", unit=unit)
    if kind == "csv":
        response = HttpResponse(spreadsheet.village_csv(report, only), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(spreadsheet.workbook(report, only), content_type=CONTENT_TYPE)
    name = f"drssd-{unit}-{period.year}Q{period.quarter}-villages.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _allowed(user, district):
    """The codes of the district's communes `user` may change: None for all of them (its DSO), else a set (a
    commune focal point's communes; empty for a reader)."""
    if District.objects.editable_by(user).filter(pk=district.pk).exists():
        return None
    return set(Commune.objects.editable_by(user).filter(district=district).values_list("code", flat=True))


@login_required_keeping_post
@require_POST
def upload(request, district, year, quarter):
    # SECURITY: the district's DSO, or a commune focal point for their own commune, and only while the report is
    # with the district.
    district = readable_or_commune_district(request.user, district)
    allowed = _allowed(request.user, district)
    if allowed == set():
        raise PermissionDenied(_("You cannot change this district's figures."))
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    report = writes.open_report(district=district, period=period) if period.is_open else None
    if report is None or not report.is_editable:
        raise PermissionDenied(_("The figures of this report cannot change now: it is with the PDRD or approved."))
    form = SpreadsheetUploadForm(request.POST, request.FILES)
    result, conflict = None, None
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        content = upload_file.read(spreadsheet.MAX_BYTES + 1)
        result = spreadsheet.read_upload(report, upload_file.name, content, allowed)
        if not result.errors:
            try:
                spreadsheet.apply(report, result, by=request.user)
            except writes.EditConflict as error:
                conflict = _(
                    "%(who)s saved a commune of this report at %(when)s, after this file was downloaded. Nothing was "
                    "imported: download the spreadsheet again, copy your figures into it and upload it."
                ) % _conflict_facts(error)
    status = 200 if result is not None and not result.errors and conflict is None else 400
    return render(
        request,
        "reports/entry/spreadsheet_result.html",
        {"district": district, "period": period, "report": report, "form": form, "result": result,
         "conflict": conflict, "imported": status == 200, "can_read_district": allowed is None or
         District.objects.visible_to(request.user).filter(pk=district.pk).exists()},
        status=status,
    )  # fmt: skip


def readable_or_commune_district(user, code):
    """SECURITY: the district, if the user reads it or one of its communes; else 404."""
    district = District.objects.filter(code=code).first()
    if district is None or not (
        District.objects.visible_to(user).filter(pk=district.pk).exists()
        or Commune.objects.visible_to(user).filter(district=district).exists()
    ):
        raise Http404
    return district
