"""Rollup tables: the summed counts behind every indicator, per administrative unit and quarter.

Dashboards and PDFs read these rows instead of the village tables. Each row holds sums only;
percentages are computed from the sums by reports.indicators when read (a rate over units is the
ratio of the summed counts, never a mean). reports/rollup.py is the only writer.

A row is built from one data state: `approved` counts approved district reports only;
`provisional` also counts reports submitted and waiting for review. Draft and returned reports
count in neither. Imported into reports.models, so `from reports.models import Rollup` works.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from reports import indicators, quarters

__all__ = ["DataState", "NATIONAL_CODE", "Rollup", "RollupLevel", "StaleRollup"]

NATIONAL_CODE = "KH"


class RollupLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province")
    NATIONAL = "national", _("National")


class DataState(models.TextChoices):
    APPROVED = "approved", _("Approved reports")
    PROVISIONAL = "provisional", _("Provisional (includes submitted reports)")


def _sum(verbose_name, **kwargs):
    return models.PositiveIntegerField(verbose_name, default=0, **kwargs)


def _money(verbose_name):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=0)


class RollupQuerySet(models.QuerySet):
    def for_state(self, provisional=False):
        """Approved data by default; with `provisional`, submitted reports are counted too."""
        return self.filter(data_state=DataState.PROVISIONAL if provisional else DataState.APPROVED)

    def for_unit(self, unit):
        """Rows of one unit (a Province, District or Commune), or of the nation when `unit` is None."""
        if unit is None:
            return self.filter(level=RollupLevel.NATIONAL, code=NATIONAL_CODE)
        return self.filter(level=unit.level, code=unit.code)


class Rollup(models.Model):
    """Summed counts of one unit (commune, district, province or the nation) for one quarter and data state.

    Commune rows carry the village and commune-activity sums; district and higher rows add the
    district reports' own section (trainings, budget, working-group meetings) and reporting counts.
    """

    level = models.CharField(_("level"), max_length=8, choices=RollupLevel.choices)
    code = models.CharField(_("unit code"), max_length=8, help_text=_("Gazetteer code; KH for the nation."))
    # No single-column indexes on the foreign keys: the composite indexes below serve every query, and
    # fewer indexes let PostgreSQL update a rebuilt row in place (HOT; see migration 0003's fillfactor).
    period = models.ForeignKey(
        "reports.ReportingPeriod",
        on_delete=models.CASCADE,
        related_name="rollups",
        verbose_name=_("reporting period"),
        db_index=False,
    )
    data_state = models.CharField(_("data state"), max_length=12, choices=DataState.choices)
    # For joins and scoping; the district is the one the data was reported under (it may since have retired).
    province = models.ForeignKey(
        "districts.Province",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("province"),
        db_index=False,
    )
    district = models.ForeignKey(
        "districts.District",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("district"),
        db_index=False,
    )
    commune = models.ForeignKey(
        "districts.Commune",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("commune"),
        db_index=False,
    )
    built_at = models.DateTimeField(_("built at"))

    # Reporting (district level and above; zero on commune rows).
    reports_expected = _sum(_("reports expected"), help_text=_("Districts not retired before the quarter began."))
    reports_included = _sum(_("reports counted"), help_text=_("Reports whose figures are in this row."))
    reports_submitted = _sum(_("reports submitted"), help_text=_("Reports submitted or approved."))
    reports_on_time = _sum(
        _("reports submitted on time"),
        help_text=_("Reports submitted or approved whose first submission met the deadline."),
    )
    reports_approved = _sum(_("reports approved"))
    # Carry-forward (see STOCK_FIELDS): districts counted with their latest earlier figures, and since when.
    carried_units = _sum(
        _("districts carried forward"),
        help_text=_("Districts without a report counted this quarter whose latest earlier figures are used."),
    )
    carried_since = models.DateField(
        _("oldest carried-forward quarter"),
        null=True,
        blank=True,
        help_text=_("First day of the oldest quarter whose figures are carried forward into this row."),
    )

    # Village figures.
    villages_reported = _sum(_("villages reported"))
    households_total = _sum(_("households in total"))
    hh_improved_own = _sum(_("own improved latrine"))
    hh_improved_shared = _sum(_("shared improved latrine"))
    hh_unimproved = _sum(_("unimproved latrine"))
    hh_open_defecation = _sum(_("open defecation"))
    idpoor_households = _sum(_("IDPoor households"))
    idpoor_improved = _sum(_("IDPoor with improved latrine"))
    latrines_built = _sum(_("latrines built"))
    hh_handwashing = _sum(_("handwashing place with soap and water"))
    villages_triggered = _sum(_("villages triggered, not yet declared ODF"))
    odf_villages_declared = _sum(_("ODF villages declared, not yet verified"))
    odf_villages_verified = _sum(_("ODF villages verified"))
    communes_reported = _sum(_("communes reported"))
    odf_communes = _sum(_("ODF communes"), help_text=_("Communes whose every reported village is verified ODF."))

    # Commune activities.
    triggering_events = _sum(_("CLTS triggering events"))
    triggering_women = _sum(_("triggering participants: women"))
    triggering_men = _sum(_("triggering participants: men"))
    bcc_sessions = _sum(_("BCC sessions"))
    bcc_women = _sum(_("BCC participants: women"))
    bcc_men = _sum(_("BCC participants: men"))
    cwg_meetings = _sum(_("commune working-group meetings"))
    commune_budget = _money(_("commune budget for sanitation (USD)"))

    # The district reports' own section (zero on commune rows).
    dwg_meetings_held = _sum(_("district working-group meetings held"))
    dwg_attendance = _sum(_("district working-group participants"))
    dwg_attendance_women = _sum(_("district working-group participants: women"))
    trainings = _sum(_("trainings"))
    trained_provincial = _sum(_("trained: provincial level"))
    trained_district = _sum(_("trained: district level"))
    trained_commune = _sum(_("trained: commune level"))
    trained_village = _sum(_("trained: village level"))
    trained_women = _sum(_("trained: women"))
    ft_annual_allocation = _money(_("functional-transfer annual allocation"))
    ft_received = _money(_("functional transfer received"))
    spent_meetings = _money(_("spent: meetings"))
    spent_triggering = _money(_("spent: triggering"))
    spent_training = _money(_("spent: training"))
    spent_monitoring = _money(_("spent: monitoring"))
    spent_odf_verification = _money(_("spent: ODF verification and celebration"))
    spent_other = _money(_("spent: other"))
    spent_total = _money(_("spent in total"))

    objects = RollupQuerySet.as_manager()

    # Every summed field, in model order: what the rollup adds up from one level to the next.
    SUM_FIELDS = [
        "reports_expected",
        "reports_included",
        "reports_submitted",
        "reports_on_time",
        "reports_approved",
        "carried_units",
        "villages_reported",
        "households_total",
        "hh_improved_own",
        "hh_improved_shared",
        "hh_unimproved",
        "hh_open_defecation",
        "idpoor_households",
        "idpoor_improved",
        "latrines_built",
        "hh_handwashing",
        "villages_triggered",
        "odf_villages_declared",
        "odf_villages_verified",
        "communes_reported",
        "odf_communes",
        "triggering_events",
        "triggering_women",
        "triggering_men",
        "bcc_sessions",
        "bcc_women",
        "bcc_men",
        "cwg_meetings",
        "commune_budget",
        "dwg_meetings_held",
        "dwg_attendance",
        "dwg_attendance_women",
        "trainings",
        "trained_provincial",
        "trained_district",
        "trained_commune",
        "trained_village",
        "trained_women",
        "ft_annual_allocation",
        "ft_received",
        "spent_meetings",
        "spent_triggering",
        "spent_training",
        "spent_monitoring",
        "spent_odf_verification",
        "spent_other",
        "spent_total",
    ]
    KEY_FIELDS = ["level", "code", "period", "data_state"]
    # Stock figures describe a state: a district without a report counted in a quarter keeps its latest
    # earlier figures (carried forward, marked by carried_units and carried_since). Every other sum is a
    # flow (latrines built, activities, meetings, trainings, money) or a reporting count: the quarter's own.
    STOCK_FIELDS = [
        "villages_reported",
        "households_total",
        "hh_improved_own",
        "hh_improved_shared",
        "hh_unimproved",
        "hh_open_defecation",
        "idpoor_households",
        "idpoor_improved",
        "hh_handwashing",
        "villages_triggered",
        "odf_villages_declared",
        "odf_villages_verified",
        "communes_reported",
        "odf_communes",
    ]

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        ordering = ["period", "level", "code", "data_state"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "period", "data_state"], name="rollup_unique_unit_period_state"
            )
        ]
        indexes = [
            # Upper levels are summed from the district rows of one period.
            models.Index(fields=["period", "level", "data_state"], name="rollup_period_level_idx"),
            # One district's commune rows, replaced when the district rebuilds.
            models.Index(fields=["district", "period", "level"], name="rollup_district_period_idx"),
        ]

    def __str__(self):
        return f"{self.level} {self.code} {self.period_id} {self.data_state}"

    @property
    def is_provisional(self):
        return self.data_state == DataState.PROVISIONAL

    @property
    def oldest_carried_quarter(self):
        """(year, quarter) of the oldest quarter whose figures are carried into this row; None if none are."""
        return None if self.carried_since is None else quarters.quarter_of(self.carried_since)

    @property
    def is_carried(self):
        """Whether any of this row's stock figures come from an earlier quarter."""
        return self.carried_since is not None

    @property
    def unit(self):
        """The Province, District or Commune of the row (the level names the field); None for the nation."""
        return None if self.level == RollupLevel.NATIONAL else getattr(self, self.level)

    # Indicators: always computed from this row's sums by the indicator module.
    @property
    def sanitation_coverage(self):
        return indicators.sanitation_coverage(
            improved_own=self.hh_improved_own, improved_shared=self.hh_improved_shared, total=self.households_total
        )

    @property
    def basic_sanitation(self):
        return indicators.basic_sanitation(improved_own=self.hh_improved_own, total=self.households_total)

    @property
    def open_defecation(self):
        return indicators.open_defecation(open_defecation=self.hh_open_defecation, total=self.households_total)

    @property
    def idpoor_coverage(self):
        return indicators.idpoor_coverage(
            idpoor_improved=self.idpoor_improved, idpoor_households=self.idpoor_households
        )

    @property
    def handwashing(self):
        return indicators.ratio_pct(self.hh_handwashing, self.households_total)

    @property
    def budget_utilisation(self):
        """This quarter's spending over this quarter's receipts; year to date: rollup.budget_year_to_date()."""
        return indicators.budget_utilisation(spent=self.spent_total, received=self.ft_received)

    @property
    def reporting_completeness(self):
        return indicators.ratio_pct(self.reports_submitted, self.reports_expected)

    @property
    def reporting_timeliness(self):
        return indicators.ratio_pct(self.reports_on_time, self.reports_expected)


class StaleRollup(models.Model):
    """A district-quarter whose rollups must be rebuilt: its report changed state after the last build.

    Written in the same transaction as the change; removed by the rebuild that covered it.
    """

    district = models.ForeignKey(
        "districts.District", on_delete=models.CASCADE, related_name="+", verbose_name=_("district")
    )
    period = models.ForeignKey(
        "reports.ReportingPeriod", on_delete=models.CASCADE, related_name="+", verbose_name=_("reporting period")
    )
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("stale rollup")
        verbose_name_plural = _("stale rollups")
        constraints = [models.UniqueConstraint(fields=["district", "period"], name="stale_rollup_unique")]

    def __str__(self):
        return f"{self.district_id}/{self.period_id} since {self.marked_at:%Y-%m-%d %H:%M:%S}"
