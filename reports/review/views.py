"""Review workflow pages: submit, the review queue, approve/return/reopen, history, provincial report, completeness."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from districts.models import District, Province
from districts.scoping import is_mrd, may_review
from drssd_portal.security_log import log_event
from reports import workbooks
from reports.entry import writes
from reports.entry.forms import ProvincialNarrativeForm
from reports.entry.views import conflict_message, posted_version
from reports.models import (
    COUNTED_STATUSES,
    DistrictReport,
    ProvincialReport,
    ReportingPeriod,
    ReportStatus,
    WorkflowAction,
)
from reports.review import completeness, history, workflow
from reports.review.forms import (
    MrdDecisionForm,
    ReasonForm,
    ReturnCommentFormSet,
    return_units,
)
from reports.review.history_filters import HistoryFilterForm
from reports.review.report_page import report_page

INBOX_PER_PAGE = 50


def _report(user, district, year, quarter):
    """SECURITY: the report of a district the user may read, or 404."""
    return get_object_or_404(
        DistrictReport.objects.visible_to(user).select_related("district__province", "period"),
        district__code=district,
        period__year=year,
        period__quarter=quarter,
    )


def _refusal(request, error):
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def submit(request, district, year, quarter):
    report = _report(request.user, district, year, quarter)
    try:
        workflow.submit_report(report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, _("The report was not submitted:"))
        _refusal(request, error)
    else:
        messages.success(request, _("Submitted to the PDRD. You will receive an e-mail when it is reviewed."))
    return redirect(report.get_absolute_url())


def _require_reviewer(user, report):
    # SECURITY: only a PDRD reviewer of the province sees a decision's confirmation or sends it (403 for others).
    if not may_review(user, province=report.district.province_id):
        raise PermissionDenied(
            _("Only a PDRD reviewer of %(province)s can review this report.")
            % {"province": report.district.province.name}
        )


def _confirmed(request):
    """Approve and reopen act only on a POST that carries the confirmation form's `confirm=yes`."""
    return request.POST.get("confirm") == "yes"


def _decision_context(report, **extra):
    return {"report": report, "district": report.district, "period": report.period, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def approve(request, district, year, quarter):
    """GET: the confirmation (the page behind the Approve button when no script opens it as a dialog).
    POST with confirm=yes: approve, which locks the report. A POST without it changes nothing and asks again."""
    report = _report(request.user, district, year, quarter)
    _require_reviewer(request.user, report)
    if report.status != ReportStatus.SUBMITTED:
        messages.error(
            request,
            _("Only a submitted report can be approved; this one is %(status)s.")
            % {"status": report.get_status_display().lower()},
        )
        return redirect(report.get_absolute_url())
    if request.method == "POST":
        if _confirmed(request):
            try:
                workflow.approve_report(report=report, by=request.user)
            except ValidationError as error:
                _refusal(request, error)
            else:
                messages.success(request, _("Approved. The report is now locked."))
            return redirect(report.get_absolute_url())
        messages.error(request, _("The report was not approved: confirm below that you want to approve and lock it."))
    return render(request, "reports/review/approve_confirm.html", _decision_context(report))


@login_required
@require_POST
def return_for_correction(request, district, year, quarter):
    report = _report(request.user, district, year, quarter)
    if not may_review(request.user, province=report.district.province_id):
        raise PermissionDenied(_("Only a PDRD reviewer of the province can return this report."))
    formset = ReturnCommentFormSet(
        request.POST, prefix="comments", form_kwargs={"report": report, "units": return_units(report)}
    )
    if formset.is_valid():
        comments = [
            (f.cleaned_data["target"], f.cleaned_data["target_label"], f.cleaned_data["text"])
            for f in formset.forms
            if (f.cleaned_data.get("text") or "").strip()
        ]
        try:
            workflow.return_report(report=report, by=request.user, comments=comments)
        except ValidationError as error:
            _refusal(request, error)
        else:
            messages.success(request, _("Returned to the district with your comments."))
            return redirect(report.get_absolute_url())
    messages.error(request, _("The report was not returned: please correct the comments below."))
    return report_page(request, report.district, report.period, return_formset=formset)


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, district, year, quarter):
    """GET: the confirmation, where the reviewer gives the reason. POST with confirm=yes and a reason: reopen.
    A POST without the confirmation changes nothing and asks again, keeping the reason typed."""
    report = _report(request.user, district, year, quarter)
    _require_reviewer(request.user, report)
    if report.status != ReportStatus.APPROVED:
        messages.error(
            request,
            _("Only an approved report can be reopened; this one is %(status)s.")
            % {"status": report.get_status_display().lower()},
        )
        return redirect(report.get_absolute_url())
    form = ReasonForm(request.POST if request.method == "POST" else None, prefix="reopen")
    if request.method == "POST":
        if not _confirmed(request):
            messages.error(request, _("The report was not reopened: confirm below that you want to reopen it."))
        elif form.is_valid():
            try:
                workflow.reopen_report(report=report, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _refusal(request, error)
            else:
                messages.success(request, _("Reopened: the report is a draft again and the district has been told."))
            return redirect(report.get_absolute_url())
    return render(request, "reports/review/reopen_confirm.html", _decision_context(report, reopen_form=form))


@login_required
def review_queue(request):
    """Submitted reports of the reviewer's districts, the longest waiting first."""
    reports = (
        DistrictReport.objects.filter(
            district__in=District.objects.reviewable_by(request.user), status=ReportStatus.SUBMITTED
        )
        .annotate(waiting_since=Max("events__at", filter=Q(events__action=WorkflowAction.SUBMITTED)))
        .select_related("district__province", "period")
        .order_by("waiting_since")
    )
    if not Province.objects.reviewable_by(request.user).exists():
        raise PermissionDenied(_("The review queue is for PDRD reviewers."))
    return render(request, "reports/review/review_queue.html", {"reports": reports})


@login_required
def provincial_inbox(request, province):
    """The Provincial Administration's copy: the district reports of the province that were sent to the PDRD
    (submitted or approved), the latest sent first, each linking to its read-only page and PDF. Anyone who
    reads the province may open it. Three queries for the list (and its count), whatever its length."""
    province = get_object_or_404(Province.objects.visible_to(request.user), code=province)
    sent = Coalesce(Max("events__at", filter=Q(events__action=WorkflowAction.SUBMITTED)), "submitted_at")
    reports = (
        DistrictReport.objects.visible_to(request.user)
        .filter(district__province=province, status__in=COUNTED_STATUSES)
        .annotate(last_submitted=sent)
        .select_related("district", "period")
        .order_by(F("last_submitted").desc(nulls_last=True), "district__code")
    )
    page = Paginator(reports, INBOX_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/review/provincial_inbox.html", {"province": province, "page": page})


@login_required
def report_history(request, district, year, quarter):
    """Transitions, comments and changed figures; the figures paged, filtered by village and person (GET)."""
    report = _report(request.user, district, year, quarter)
    record = history.load(report)
    form = HistoryFilterForm(request.GET, villages=record.villages, people=record.people)
    village, person = form.chosen()
    lines = record.lines(village=village, person=person)
    return render(
        request,
        "reports/review/history.html",
        {
            "report": report,
            "district": report.district,
            "period": report.period,
            "events": report.events.select_related("by"),
            "rounds": history.comments_by_round(report),
            "form": form,
            # Page links keep the filters in force; a value the form refused is dropped from them.
            "filters": {"village": village.code if village else None, "person": person.pk if person else None},
            "filtered": village is not None or person is not None,
            "page": Paginator(lines, history.PER_PAGE).get_page(request.GET.get("page")),
        },
    )


def _provincial(request, province, year, quarter):
    """SECURITY: the province (one the user may read, or 404), the quarter and its provincial report (None
    if the PDRD has not started it; started on first sight by a reviewer of the province)."""
    province = get_object_or_404(Province.objects.visible_to(request.user), code=province)
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    can_submit = may_review(request.user, province=province.pk)
    report = ProvincialReport.objects.filter(province=province, period=period).first()
    if report is None and can_submit:
        report, _created = ProvincialReport.objects.get_or_create(province=province, period=period)
    return province, period, report, can_submit


@login_required
def provincial_report(request, province, year, quarter):
    """The provincial quarterly report: districts' states, the province's narrative; the PDRD saves or submits it."""
    province, period, report, can_submit = _provincial(request, province, year, quarter)
    missing = list(workflow.districts_without_approval(report)) if report else []
    narrative = ProvincialNarrativeForm(request.POST or None, instance=report, prefix="narrative")
    version = report.version if report else 0
    if request.method == "POST":
        if not (can_submit and report.is_editable):
            raise PermissionDenied(_("You cannot change this provincial report."))
        version = posted_version(request)
        try:
            _save_provincial(request, report, narrative, missing)
        except writes.EditConflict as conflict:
            messages.error(request, conflict_message(conflict))
            version = ProvincialReport.objects.get(pk=report.pk).version  # Save again keeps the typed text
        except ValidationError as error:
            _refusal(request, error)
            if narrative.is_valid():  # the narrative was saved before the submission was refused
                version = report.version
        else:
            return redirect(request.path)
    if not (can_submit and report and report.is_editable):
        for field in narrative.fields.values():
            field.disabled = True
    rows = completeness.districts_of(period, [province])
    reasons_before = dict(report.missing.values_list("district_id", "reason")) if report else {}
    return render(
        request,
        "reports/review/provincial_report.html",
        {
            "province": province,
            "period": period,
            "report": report,
            "rows": rows,
            "total": completeness.total_of(rows),
            "missing": [(d, request.POST.get(f"missing-{d.pk}", reasons_before.get(d.pk, ""))) for d in missing],
            "narrative": narrative,
            "version": version,
            "decision": MrdDecisionForm(prefix="decision"),
            "can_submit": can_submit,
            "is_mrd": is_mrd(request.user),
            "events": report.events.select_related("by") if report else [],
        },
    )


def _save_provincial(request, report, narrative, missing):
    """Save the narrative ("save") and, with "submit", submit the report with the reasons for missing districts."""
    if not narrative.is_valid():
        raise ValidationError(_("Please correct the narrative."))
    writes.save_provincial_narrative(
        provincial_report=report, form=narrative, expected_version=posted_version(request), by=request.user
    )
    report.refresh_from_db()
    if request.POST.get("action") == "submit":
        reasons = {d.pk: request.POST.get(f"missing-{d.pk}", "") for d in missing}
        workflow.submit_provincial_report(provincial_report=report, by=request.user, missing_reasons=reasons)
        messages.success(request, _("Submitted to the MRD."))
    else:
        messages.success(request, _("Saved. You can continue later: the draft is kept."))


@login_required
@require_POST
def provincial_decision(request, province, year, quarter):
    """The MRD accepts a submitted provincial report, or returns it with a comment (workflow checks who may)."""
    _province, _period, report, _can_submit = _provincial(request, province, year, quarter)
    if report is None:
        raise Http404
    decision = MrdDecisionForm(request.POST, prefix="decision")
    comment = decision.cleaned_data["comment"] if decision.is_valid() else ""
    try:
        if request.POST.get("action") == "accept":
            workflow.accept_provincial_report(provincial_report=report, by=request.user)
            messages.success(request, _("Accepted."))
        else:
            workflow.return_provincial_report(provincial_report=report, by=request.user, comment=comment)
            messages.success(request, _("Returned to the province with your comment."))
    except ValidationError as error:
        _refusal(request, error)
    return redirect("reports:provincial", province, year, quarter)


@login_required
def completeness_table(request, year, quarter):
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    provinces = Province.objects.visible_to(request.user)
    district = None
    if request.GET.get("district"):
        district = get_object_or_404(District.objects.visible_to(request.user), code=request.GET["district"])
    elif not provinces.exists():
        district = District.objects.visible_to(request.user).first()
        if district is None:
            raise PermissionDenied(_("Completeness tables are for district, provincial and national users."))
    context = {"period": period, "periods": ReportingPeriod.objects.all(), "district": district}
    if district is not None:
        rows = completeness.communes_of(period, district)
        context.update(commune_rows=rows, commune_total=completeness.total_of(rows))
    else:
        district_rows = completeness.districts_of(period, provinces)
        province_rows = completeness.provinces_of(district_rows)
        context.update(
            district_rows=district_rows, province_rows=province_rows, total=completeness.total_of(province_rows)
        )
    kind = request.GET.get("download")
    if kind in ("csv", "xlsx"):
        return _completeness_download(request, context, kind)
    return render(request, "reports/review/completeness.html", context)


def _completeness_download(request, context, kind):
    """The page's detailed table (communes of a district, or districts with their province) as CSV or XLSX."""
    period, district = context["period"], context["district"]
    header, rows = completeness.download_rows(context)
    scope = district.code if district is not None else "districts"
    filename = f"drssd-completeness-{period.year}Q{period.quarter}-{scope}.{kind}"
    log_event("export", request=request, format=kind, table="completeness", unit=scope)
    about = [
        (_("Unit"), f"{district.name} ({district.code})" if district is not None else _("Every district you may read")),
        (_("Quarter"), period.label),
        (_("Data"), _("Reports as they stand now (submitted or approved count as submitted)")),
        (_("Deadline"), date_format(period.deadline, "SHORT_DATE_FORMAT")),
    ]
    if kind == "xlsx":
        content = workbooks.table_workbook(title=_("Completeness"), about=about, header=header, rows=rows)
        response = HttpResponse(content, content_type=workbooks.CONTENT_TYPE)
    else:
        response = HttpResponse(workbooks.table_csv(header, rows, about), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
