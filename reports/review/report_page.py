"""The report page, where entry and review meet: what is still missing, communes, district section and
progress for the DSO; the same with the workflow actions (return with comments, approve, reopen) for
the reviewer. Data-entry pages link to it by URL; review views render it again with a bound formset."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from districts import scoping
from reports.entry import writes as entry
from reports.entry.summary import count_open_comments, summarise
from reports.entry.views import readable_district
from reports.models import DistrictReport, ReportingPeriod, ReportStatus
from reports.review.forms import ReasonForm, ReturnCommentFormSet, return_units


@login_required
def report_detail(request, district, year, quarter):
    district = readable_district(request.user, district)
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    return report_page(request, district, period)


def report_page(request, district, period, return_formset=None):
    """The report page: what is missing, communes, district section, progress; and the workflow actions."""
    can_write = scoping.may_write(request.user, district=district.pk)
    can_review = scoping.may_review(request.user, province=district.province_id)
    if can_write and period.is_open:
        report = entry.open_report(district=district, period=period)
    else:
        report = DistrictReport.objects.filter(district=district, period=period).first()
    context = {
        "district": district,
        "period": period,
        "report": report,
        "can_write": can_write,
        "can_review": can_review,
    }
    if report is not None:
        summary = summarise(report)
        comments = report.open_review_comments()
        count_open_comments(summary.communes, comments)
        context.update(
            summary=summary,
            trainings=report.trainings.all(),
            comments=comments,
            events=report.events.select_related("by"),
        )
        if can_review and report.status == ReportStatus.SUBMITTED:
            context["return_formset"] = return_formset or ReturnCommentFormSet(
                prefix="comments", form_kwargs={"report": report, "units": return_units(report)}
            )
        if can_review and report.status == ReportStatus.APPROVED:
            context["reopen_form"] = ReasonForm(prefix="reopen")
    return render(request, "reports/review/report_detail.html", context)
