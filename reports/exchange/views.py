"""The DHIS2 exchange page of the MRD: the quarter's figures as ADX or dataValueSets JSON, and the mapping."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from districts.scoping import has_national_reach
from reports.exchange import dhis2
from reports.exchange.forms import Dhis2ExportForm, MappingUploadForm
from reports.models import ReportingPeriod

logger = logging.getLogger(__name__)


def _require_national(user):
    # SECURITY: the export holds every district's figures; the mapping is the ministry's.
    if not has_national_reach(user):
        raise PermissionDenied(_("Only the Ministry of Rural Development exchanges data with DHIS2."))


@login_required
def dhis2_page(request):
    _require_national(request.user)
    upload = MappingUploadForm()
    if request.method == "POST":
        upload = MappingUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                saved = dhis2.replace_mapping(upload.cleaned_data["file"].read(), by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    upload.add_error("file", message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The mapping was replaced: %(count)d line.", "The mapping was replaced: %(count)d lines.", saved
                    )
                    % {"count": saved},
                )
                return redirect("reports:dhis2")
        messages.error(request, _("The mapping was not changed: see the problems under the file."))
    mapping = dhis2.Mapping.current()
    return render(
        request,
        "reports/exchange/dhis2.html",
        {
            "export_form": Dhis2ExportForm(quarters=dhis2.quarters_with_counts()),
            "upload_form": upload,
            "mapping": mapping,
            "elements": [
                (name, dhis2.figure_label(name), *mapping.elements[name])
                for name in dhis2.FIGURES
                if name in mapping.elements
            ],
            "unmapped": [(name, dhis2.figure_label(name)) for name in mapping.unmapped],
        },
    )


@login_required
def dhis2_export(request):
    _require_national(request.user)
    form = Dhis2ExportForm(request.GET, quarters=dhis2.quarters_with_counts())
    if not form.is_valid():
        messages.error(request, _("Choose a quarter, the data and a format."))
        return redirect("reports:dhis2")
    year, quarter = form.cleaned_data["quarter"].split("Q")
    period = get_object_or_404(ReportingPeriod, year=int(year), quarter=int(quarter))
    state, kind = form.cleaned_data["state"], form.cleaned_data["format"]
    try:
        export = dhis2.collect(period, state)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("reports:dhis2")
    name = f"drssd-{export.dhis2_period}-{state}"
    if kind == "json":
        response = HttpResponse(dhis2.data_value_set(export), content_type="application/json; charset=utf-8")
        name += ".json"
    else:
        document = dhis2.adx(export)
        problems = dhis2.validate_adx(document, export.mapping)
        if problems:  # our own output against our own schema: a bug, never the user's doing
            logger.error("ADX export of %s does not validate: %s", name, problems[:5])
            raise RuntimeError("The ADX export does not validate against its schema.")
        response = HttpResponse(document, content_type="application/adx+xml")
        name += ".adx.xml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dhis2_mapping_csv(request):
    _require_national(request.user)
    example = request.GET.get("example") == "1"
    content = dhis2.EXAMPLE_MAPPING.read_text(encoding="utf-8") if example else dhis2.mapping_csv()
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    name = "drssd-dhis2-mapping-example.csv" if example else "drssd-dhis2-mapping.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dhis2_schema(request):
    """The ADX schema of our data set under the current mapping, for the receiving side to check files with."""
    _require_national(request.user)
    response = HttpResponse(dhis2.adx_schema(dhis2.Mapping.current()), content_type="application/xml")
    response["Content-Disposition"] = 'attachment; filename="drssd-adx.xsd"'
    return response
