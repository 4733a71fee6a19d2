"""Reporting periods (quarters with their deadlines) and the national settings the MRD keeps."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reports import quarters

# The years a quarter (and so a plan target) can belong to.
REPORTING_YEARS = range(2010, 2101)


class NationalSettings(models.Model):
    """Settings the MRD changes without a deployment (one row)."""

    target_year = models.PositiveSmallIntegerField(
        _("national target year"),
        default=2025,
        validators=[MinValueValidator(2014), MaxValueValidator(2100)],
        help_text=_("The year by which every rural village should be open-defecation free."),
    )
    khmer_digits = models.BooleanField(
        _("Khmer digits in Khmer documents"),
        default=True,
        help_text=_(
            "The reference number, the place and date line and the page numbers of Khmer PDFs in Khmer digits "
            "(០១២៣); untick for Arabic digits (0123). Tables keep Arabic digits."
        ),
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

    def with_report_counts(self):
        """Each quarter with `approved_reports` and `submitted_reports` (waiting for review): one grouped query."""
        from reports.models.choices import ReportStatus

        return self.annotate(
            approved_reports=models.Count(
                "district_reports", filter=models.Q(district_reports__status=ReportStatus.APPROVED)
            ),
            submitted_reports=models.Count(
                "district_reports", filter=models.Q(district_reports__status=ReportStatus.SUBMITTED)
            ),
        )


class ReportingPeriod(models.Model):
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(REPORTING_YEARS.start), MaxValueValidator(REPORTING_YEARS.stop - 1)]
    )
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
        return quarters.label(self.year, self.quarter)

    @property
    def bounds(self):
        return quarters.quarter_bounds(self.year, self.quarter)

    def previous(self):
        year, quarter = quarters.previous_quarter(self.year, self.quarter)
        return ReportingPeriod.objects.filter(year=year, quarter=quarter).first()
