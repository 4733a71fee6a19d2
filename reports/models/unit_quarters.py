"""A quarter's figures of one village (VillageQuarter) and one commune's activities (CommuneQuarter).

Count fields are nullable: a draft may be incomplete, and "not entered yet" must not be confused with zero.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from districts.models import Commune, Village
from reports.models.choices import OdfStatus
from reports.models.district_reports import DistrictReport
from reports.models.fields import count_field, money_field


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
    # False while the row holds last quarter's figures as they were carried over, saved but not yet looked at:
    # the commune page marks it "from last quarter, not confirmed" until a figure is changed or "Unchanged" ticked.
    confirmed = models.BooleanField(_("figures confirmed this quarter"), default=True, db_default=True)
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
