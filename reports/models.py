"""Reporting periods and the quarterly data: village rows, commune activities, the district report.

A DistrictReport is the container for one district and one quarter; its communes' activities
(CommuneQuarter) and its villages' figures (VillageQuarter) hang off it, so the report's state
decides whether any of them may change. Count fields are nullable: a draft may be incomplete,
and "not entered yet" must not be confused with zero.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from districts.models import Commune, District, Village
from reports import quarters


def count_field(verbose_name, **kwargs):
    return models.PositiveIntegerField(verbose_name, null=True, blank=True, **kwargs)


def money_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **kwargs,
    )


class NationalSettings(models.Model):
    """Settings the MRD changes without a deployment (one row)."""

    target_year = models.PositiveSmallIntegerField(
        _("national target year"),
        default=2025,
        validators=[MinValueValidator(2014), MaxValueValidator(2100)],
        help_text=_("The year by which every rural village should be open-defecation free."),
    )

    class Meta:
        verbose_name = _("national settings")
        verbose_name_plural = _("national settings")

    def __str__(self):
        return f"{self._meta.get_field('target_year').verbose_name}: {self.target_year}"

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1, defaults={"target_year": settings.NATIONAL_TARGET_YEAR})[0]


class ReportingPeriodQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)


class ReportingPeriod(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2010), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")])
    deadline = models.DateField(_("submission deadline"))
    is_open = models.BooleanField(_("open for data entry"), default=True)

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter"],
                name="period_unique_quarter",
                violation_error_message=_("This quarter already exists."),
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return _("Q%(quarter)d %(year)d") % {"quarter": self.quarter, "year": self.year}

    @property
    def bounds(self):
        return quarters.quarter_bounds(self.year, self.quarter)

    def previous(self):
        year, quarter = quarters.previous_quarter(self.year, self.quarter)
        return ReportingPeriod.objects.filter(year=year, quarter=quarter).first()


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


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")


# The one definition of a report that counts as reported (rollups, completeness, dashboards, PDFs): while it
# is submitted or approved. A returned or reopened report is back with the district and counts nowhere.
COUNTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


def submitted_on_time(submitted_at, deadline):
    """The one definition of on time: the quarter's first submission on or before its deadline (local date)."""
    return submitted_at is not None and timezone.localdate(submitted_at) <= deadline


class DistrictReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """SECURITY: reports of districts the user may read."""
        return self.filter(district__in=District.objects.visible_to(user))

    def editable_by(self, user):
        """SECURITY: reports of districts the user may write (DSOs); the state is checked separately."""
        return self.filter(district__in=District.objects.editable_by(user))


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
        Two or three queries."""
        if self.status not in (ReportStatus.RETURNED, ReportStatus.SUBMITTED):
            return []
        last_return = self.events.filter(action=WorkflowAction.RETURNED).order_by("-at").first()
        if last_return is None or self.events.filter(action=WorkflowAction.APPROVED, at__gt=last_return.at).exists():
            return []
        return list(ReviewComment.objects.filter(report=self, round=last_return.round).select_related("author"))

    @property
    def is_editable(self):
        """Data may change only while the report is with the district and the quarter is open."""
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED) and self.period.is_open

    @property
    def spent_total(self):
        values = [getattr(self, f) for f in self.SPENT_FIELDS]
        return sum(v for v in values if v is not None) if any(v is not None for v in values) else None


class TrainingTopic(models.TextChoices):
    CLTS = "clts", _("CLTS")
    BCC = "bcc", _("Behaviour-change communication")
    DATA_ENTRY = "data_entry", _("Data entry")
    FACILITATION = "facilitation", _("Facilitation")
    OTHER = "other", _("Other")


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


class WorkflowAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    REOPENED = "reopened", _("Reopened")
    ACCEPTED = "accepted", _("Accepted by the MRD")


class ReportEvent(models.Model):
    """One state transition of a district or provincial report: who, when, from, to, why."""

    report = models.ForeignKey(
        "DistrictReport",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("district report"),
    )
    provincial_report = models.ForeignKey(
        "ProvincialReport",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("provincial report"),
    )
    action = models.CharField(_("action"), max_length=16, choices=WorkflowAction.choices)
    from_status = models.CharField(_("from"), max_length=16)
    to_status = models.CharField(_("to"), max_length=16)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    note = models.TextField(_("comment or reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                name="event_belongs_to_one_report",
                condition=models.Q(report__isnull=False, provincial_report__isnull=True)
                | models.Q(report__isnull=True, provincial_report__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ReviewComment(models.Model):
    """A reviewer's comment when returning a report, on the whole report or on one figure.

    `target` names the figure: "" (the report), "district:<field>", "commune:<code>:<field>"
    or "village:<code>:<field>"; `target_label` keeps a readable name of it as it was then.
    """

    report = models.ForeignKey(
        "DistrictReport", on_delete=models.CASCADE, related_name="review_comments", verbose_name=_("report")
    )
    round = models.PositiveSmallIntegerField(_("round"))
    target = models.CharField(_("figure"), max_length=64, blank=True)
    target_label = models.CharField(_("figure"), max_length=300, blank=True)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["round", "id"]

    def __str__(self):
        return self.target_label or self.text[:60]

    @staticmethod
    def by_target(comments):
        """{target: [comments]} in the order given, for showing each comment beside its figure."""
        grouped = {}
        for comment in comments:
            grouped.setdefault(comment.target, []).append(comment)
        return grouped


class ProvincialStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the MRD")
    RETURNED = "returned", _("Returned by the MRD")
    ACCEPTED = "accepted", _("Accepted by the MRD")


class ProvincialReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """SECURITY: provincial reports of provinces the user may read."""
        from districts.models import Province

        return self.filter(province__in=Province.objects.visible_to(user))


class ProvincialReport(models.Model):
    """The PDRD's quarterly report to the MRD: the rollup of its districts plus the province's narrative."""

    province = models.ForeignKey(
        "districts.Province", on_delete=models.PROTECT, related_name="reports", verbose_name=_("province")
    )
    period = models.ForeignKey(
        "ReportingPeriod",
        on_delete=models.PROTECT,
        related_name="provincial_reports",
        verbose_name=_("reporting period"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProvincialStatus.choices, default=ProvincialStatus.DRAFT
    )
    achievements = models.TextField(_("achievements"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    next_quarter_plan = models.TextField(_("plan for next quarter"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    history = HistoricalRecords()

    objects = ProvincialReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("provincial quarterly report")
        verbose_name_plural = _("provincial quarterly reports")
        constraints = [models.UniqueConstraint(fields=["province", "period"], name="provincial_unique_period")]

    def __str__(self):
        return f"{self.period.label} — {self.province.name}"

    def get_absolute_url(self):
        return reverse("reports:provincial", args=[self.province.code, self.period.year, self.period.quarter])

    @property
    def is_editable(self):
        return self.status in (ProvincialStatus.DRAFT, ProvincialStatus.RETURNED)


class MissingDistrict(models.Model):
    """A district whose approved report is missing from a provincial submission, and why."""

    provincial_report = models.ForeignKey(
        ProvincialReport, on_delete=models.CASCADE, related_name="missing", verbose_name=_("provincial report")
    )
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("missing district")
        verbose_name_plural = _("missing districts")
        constraints = [models.UniqueConstraint(fields=["provincial_report", "district"], name="missing_unique")]

    def __str__(self):
        return f"{self.district_id}: {self.reason[:60]}"


class SentNotification(models.Model):
    """One e-mail sent, keyed so that re-running a reminder task never sends it twice."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sent notification")
        verbose_name_plural = _("sent notifications")

    def __str__(self):
        return self.key


class CommuneQuarter(models.Model):
    """A commune's activities for the quarter; also the edit lock for its village rows."""

    report = models.ForeignKey(
        DistrictReport, on_delete=models.CASCADE, related_name="commune_quarters", verbose_name=_("report")
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="quarters", verbose_name=_("commune"))
    triggering_events = count_field(_("CLTS triggering events"))
    triggering_women = count_field(_("triggering participants: women"))
    triggering_men = count_field(_("triggering participants: men"))
    bcc_sessions = count_field(_("BCC sessions"))
    bcc_women = count_field(_("BCC participants: women"))
    bcc_men = count_field(_("BCC participants: men"))
    cwg_meetings = count_field(_("commune working-group meetings"))
    commune_budget = money_field(_("commune budget for sanitation (USD)"))

    version = models.PositiveIntegerField(default=0, editable=False)
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

    ACTIVITY_FIELDS = [
        "triggering_events",
        "triggering_women",
        "triggering_men",
        "bcc_sessions",
        "bcc_women",
        "bcc_men",
        "cwg_meetings",
        "commune_budget",
    ]

    class Meta:
        verbose_name = _("commune activities")
        verbose_name_plural = _("commune activities")
        ordering = ["commune__code"]
        constraints = [models.UniqueConstraint(fields=["report", "commune"], name="commune_quarter_unique")]

    def __str__(self):
        return f"{self.report.period.label} — {self.commune.name}"

    def get_absolute_url(self):
        period = self.report.period
        return reverse(
            "reports:commune", args=[self.report.district.code, period.year, period.quarter, self.commune.code]
        )


class OdfStatus(models.TextChoices):
    NOT_TRIGGERED = "not_triggered", _("Not triggered")
    TRIGGERED = "triggered", _("Triggered")
    DECLARED = "declared", _("Declared ODF")
    VERIFIED = "verified", _("Verified ODF")


class VillageQuarter(models.Model):
    """One village's sanitation figures for the quarter."""

    report = models.ForeignKey(
        DistrictReport, on_delete=models.CASCADE, related_name="village_quarters", verbose_name=_("report")
    )
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="quarters", verbose_name=_("village"))
    households_total = count_field(_("households in total"))
    hh_improved_own = count_field(_("own improved latrine"))
    hh_improved_shared = count_field(_("shared improved latrine"))
    hh_unimproved = count_field(_("unimproved latrine"))
    hh_open_defecation = count_field(_("open defecation"))
    idpoor_households = count_field(_("IDPoor households (Poor 1 and 2)"))
    idpoor_improved = count_field(_("IDPoor with improved latrine"))
    latrines_built = count_field(_("latrines built this quarter"))
    hh_handwashing = count_field(_("handwashing place with soap and water"))
    odf_status = models.CharField(_("ODF status"), max_length=16, choices=OdfStatus.choices, blank=True)
    odf_status_date = models.DateField(_("ODF status date"), null=True, blank=True)
    explanation = models.TextField(
        _("explanation of warnings"),
        blank=True,
        help_text=_("Explain each warning on this row before the report is submitted."),
    )
    history = HistoricalRecords()

    COUNT_FIELDS = [
        "households_total",
        "hh_improved_own",
        "hh_improved_shared",
        "hh_unimproved",
        "hh_open_defecation",
        "idpoor_households",
        "idpoor_improved",
        "latrines_built",
        "hh_handwashing",
    ]
    # Stock figures carried into the next quarter as a starting point; flows start empty.
    CARRIED_FIELDS = [
        "households_total",
        "hh_improved_own",
        "hh_improved_shared",
        "hh_unimproved",
        "hh_open_defecation",
        "idpoor_households",
        "idpoor_improved",
        "hh_handwashing",
        "odf_status",
        "odf_status_date",
    ]

    class Meta:
        verbose_name = _("village figures")
        verbose_name_plural = _("village figures")
        ordering = ["village__code"]
        constraints = [models.UniqueConstraint(fields=["report", "village"], name="village_quarter_unique")]

    def __str__(self):
        return f"{self.report.period.label} — {self.village.name}"
