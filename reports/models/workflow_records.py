"""What the review workflow records: events, reviewers' comments, the provincial report, e-mails sent."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from districts.models import District, Province
from reports.models import comment_targets
from reports.models.choices import ProvincialStatus, WorkflowAction


class ReportEvent(models.Model):
    """One state transition of a district or provincial report: who, when, from, to, why. Also, without a change
    of state, an import of a district report's figures from a spreadsheet (WorkflowAction.IMPORTED; the note says
    which file): with_status_since leaves those out."""

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


class ReviewCommentQuerySet(models.QuerySet):
    def labelled(self):
        """The comments, as a list, with the communes and villages their keys name loaded once for all of them
        (one query per level named), so that reading their labels queries nothing more."""
        return ReviewComment.load_units(list(self))

    def open_count_by_report(self):
        """{report id: number of comments of the report's latest round} over these comments: for a returned
        report, the comments of its last return, which the district still has to answer. One query."""
        counts = {}
        rows = self.values_list("report_id", "round").annotate(n=models.Count("pk")).order_by("report_id", "round")
        for report_id, _round, n in rows:
            counts[report_id] = n  # the latest round comes last
        return counts


class ReviewComment(models.Model):
    """A reviewer's comment when returning a report, on the whole report or on one figure.

    `target` is the key of the figure: "" (the report), "district:<field>", "commune:<code>:<field>" or
    "village:<code>:<field>". Its label (`target_label`) is built from the key in the reader's language each time
    it is read (reports.models.comment_targets); `label_as_written` keeps the label in the reviewer's language as
    it was then, shown only when the key no longer names a figure (column `target_label` of older code).
    """

    report = models.ForeignKey(
        "DistrictReport", on_delete=models.CASCADE, related_name="review_comments", verbose_name=_("report")
    )
    round = models.PositiveSmallIntegerField(_("round"))
    target = models.CharField(_("figure"), max_length=64, blank=True)
    label_as_written = models.CharField(
        _("figure, as the reviewer named it"), max_length=300, blank=True, db_column="target_label"
    )
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = ReviewCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["round", "id"]

    def __str__(self):
        return self.label_as_written or self.text[:60]

    @property
    def target_label(self):
        """The figure's label in the active language ("" for a comment on the whole report). A commune or village
        figure costs one query unless the comment came through `labelled()` or `load_units()`."""
        units = self.__dict__.get("_target_units")
        if units is None:
            units = self._target_units = comment_targets.units_named([self.target])
        return comment_targets.label(self.target, units, fallback=self.label_as_written)

    @staticmethod
    def load_units(comments):
        """Load the communes and villages the comments' keys name, once for all of them; returns `comments`."""
        units = comment_targets.units_named(comment.target for comment in comments)
        for comment in comments:
            comment._target_units = units
        return comments

    @staticmethod
    def by_target(comments):
        """{target: [comments]} in the order given, for showing each comment beside its figure."""
        grouped = {}
        for comment in comments:
            grouped.setdefault(comment.target, []).append(comment)
        return grouped


class ProvincialReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """SECURITY: provincial reports of provinces the user may read."""
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
