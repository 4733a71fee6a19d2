"""The district quarterly report, its trainings and the District Sanitation Plan targets.

A DistrictReport is the container for one district and one quarter; its communes' activities
(CommuneQuarter) and its villages' figures (VillageQuarter) hang off it, so the report's state
decides whether any of them may change.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from districts.models import District
from reports.models.choices import ReportStatus, TrainingTopic, WorkflowAction
from reports.models.fields import count_field, money_field
from reports.models.periods import ReportingPeriod

# The one definition of a report that counts as reported (rollups, completeness, dashboards, PDFs): while it
# is submitted or approved. A returned or reopened report is back with the district and counts nowhere.
COUNTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


def submitted_on_time(submitted_at, deadline):
    """The one definition of on time: the quarter's first submission on or before its deadline (local date)."""
    return submitted_at is not None and timezone.localdate(submitted_at) <= deadline


class DistrictPlanTarget(models.Model):
    """The District Sanitation Plan's targets for one year."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="plan_targets", verbose_name=_("district")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    coverage_pct = models.DecimalField(
        _("sanitation coverage target (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    odf_villages = count_field(_("ODF villages target"))
    triggering_events = count_field(_("triggering events target"))
    budget = money_field(_("sanitation budget target (USD)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("district sanitation plan target")
        verbose_name_plural = _("district sanitation plan targets")
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="target_unique_district_year")]

    def __str__(self):
        return f"{self.year} — {self.district_id}"


class DistrictReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """SECURITY: reports of districts the user may read."""
        return self.filter(district__in=District.objects.visible_to(user))

    def editable_by(self, user):
        """SECURITY: reports of districts the user may write (DSOs); the state is checked separately."""
        return self.filter(district__in=District.objects.editable_by(user))

    def with_status_since(self):
        """Annotate `status_since`: when the report reached its state (its last transition; for a report that
        never went through one, when it was approved, submitted or started)."""
        return self.annotate(
            status_since=Coalesce(
                Max("events__at", filter=~Q(events__action=WorkflowAction.IMPORTED)),  # a transition, not an import
                "approved_at",
                "submitted_at",
                "created_at",
            ),
        )


class DistrictReport(models.Model):
    """The district quarterly report (Operational Manual format): the district's own section."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="reports", verbose_name=_("district"))
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="district_reports", verbose_name=_("reporting period")
    )
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    is_demo = models.BooleanField(_("demo data"), default=False)

    # District working group
    wg_meeting_held = models.BooleanField(_("district working-group meeting held"), null=True, blank=True)
    wg_meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    wg_meeting_attendance = count_field(_("participants"))
    wg_meeting_attendance_women = count_field(_("of whom women"))

    # Functional-transfer budget (USD)
    ft_annual_allocation = money_field(_("annual allocation"))
    ft_carried_over = money_field(_("carried over from earlier quarters"))
    ft_received = money_field(_("received this quarter"))
    spent_meetings = money_field(_("meetings"))
    spent_triggering = money_field(_("triggering"))
    spent_training = money_field(_("training"))
    spent_monitoring = money_field(_("monitoring"))
    spent_odf_verification = money_field(_("ODF verification and celebration"))
    spent_other = money_field(_("other"))

    active_suppliers = count_field(_("active latrine suppliers"))
    active_masons = count_field(_("active masons"))

    achievements = models.TextField(_("achievements"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    next_quarter_plan = models.TextField(_("plan for next quarter"), blank=True)

    # Set by the review workflow (workflow.py). submitted_at is the first submission of the quarter,
    # which decides timeliness; approved_at/by the last approval.
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
        editable=False,
    )

    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    history = HistoricalRecords()

    objects = DistrictReportQuerySet.as_manager()

    SPENT_FIELDS = [
        "spent_meetings",
        "spent_triggering",
        "spent_training",
        "spent_monitoring",
        "spent_odf_verification",
        "spent_other",
    ]
    # The district's own section of the report, as the DSO enters it (and as a review comment can point at it).
    SECTION_FIELDS = [
        "wg_meeting_held",
        "wg_meeting_date",
        "wg_meeting_attendance",
        "wg_meeting_attendance_women",
        "ft_annual_allocation",
        "ft_carried_over",
        "ft_received",
        *SPENT_FIELDS,
        "active_suppliers",
        "active_masons",
        "achievements",
        "challenges",
        "support_needed",
        "next_quarter_plan",
    ]

    class Meta:
        verbose_name = _("district quarterly report")
        verbose_name_plural = _("district quarterly reports")
        ordering = ["-period__year", "-period__quarter", "district__code"]
        constraints = [models.UniqueConstraint(fields=["district", "period"], name="report_unique_district_period")]

    def __str__(self):
        return f"{self.period.label} — {self.district.name}"

    def get_absolute_url(self):
        return reverse("reports:report", args=[self.district.code, self.period.year, self.period.quarter])

    @property
    def submitted_on_time(self):
        return submitted_on_time(self.submitted_at, self.period.deadline)

    @property
    def counts_as_reported(self):
        return self.status in COUNTED_STATUSES

    def open_review_comments(self):
        """Comments of the latest return, while they matter: the report is back with the district, or was
        resubmitted after them. Once the report is approved (and even if reopened later) they are history.
        Two to five queries (the communes and villages their figures belong to included)."""
        if self.status not in (ReportStatus.RETURNED, ReportStatus.SUBMITTED):
            return []
        last_return = self.events.filter(action=WorkflowAction.RETURNED).order_by("-at").first()
        if last_return is None or self.events.filter(action=WorkflowAction.APPROVED, at__gt=last_return.at).exists():
            return []
        return self.review_comments.filter(round=last_return.round).select_related("author").labelled()

    @property
    def is_editable(self):
        """Data may change only while the report is with the district and the quarter is open."""
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED) and self.period.is_open

    @property
    def spent_total(self):
        values = [getattr(self, f) for f in self.SPENT_FIELDS]
        return sum(v for v in values if v is not None) if any(v is not None for v in values) else None


class Training(models.Model):
    report = models.ForeignKey(
        DistrictReport, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("report")
    )
    topic = models.CharField(_("topic"), max_length=16, choices=TrainingTopic.choices)
    topic_detail = models.CharField(_("details"), max_length=200, blank=True)
    participants_provincial = models.PositiveIntegerField(_("provincial"), default=0)
    participants_district = models.PositiveIntegerField(_("district"), default=0)
    participants_commune = models.PositiveIntegerField(_("commune"), default=0)
    participants_village = models.PositiveIntegerField(_("village"), default=0)
    women = models.PositiveIntegerField(_("women"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_topic_display()} ({self.participants})"

    @property
    def participants(self):
        return (
            self.participants_provincial
            + self.participants_district
            + self.participants_commune
            + self.participants_village
        )
