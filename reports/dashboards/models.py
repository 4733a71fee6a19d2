"""The district scorecard's weights: the MRD sets them on its settings page without a deployment (one row)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Component key -> (field, default weight). The keys are reports.dashboards.scorecard.COMPONENTS.
DEFAULT_WEIGHTS = {"coverage": 30, "odf": 25, "sustainability": 15, "timeliness": 15, "budget": 15}


def _weight(verbose_name, default):
    return models.PositiveSmallIntegerField(verbose_name, default=default, validators=[MaxValueValidator(100)])


class ScorecardWeights(models.Model):
    """How much each component counts in the district scorecard (reports/dashboards/scorecard.py). Only their
    proportions matter: the score is the weighted mean of the components' values, out of 100."""

    coverage = _weight(_("weight of coverage progress"), DEFAULT_WEIGHTS["coverage"])
    odf = _weight(_("weight of the ODF certified share"), DEFAULT_WEIGHTS["odf"])
    sustainability = _weight(_("weight of sustainability (no slippage)"), DEFAULT_WEIGHTS["sustainability"])
    timeliness = _weight(_("weight of reporting timeliness"), DEFAULT_WEIGHTS["timeliness"])
    budget = _weight(_("weight of budget use"), DEFAULT_WEIGHTS["budget"])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The edit version of the MRD's whole settings page (weights, re-verification period, checklist), kept on this
    # row: each save of the page locks it and bumps it, so of two officers saving at once the second is refused.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("district scorecard weights")
        verbose_name_plural = _("district scorecard weights")

    def __str__(self):
        return str(self._meta.verbose_name)

    def clean(self):
        if not any(self.as_dict().values()):
            raise ValidationError(_("At least one weight must be more than 0."))

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in DEFAULT_WEIGHTS}

    @classmethod
    def current(cls) -> "ScorecardWeights":
        return cls.objects.get_or_create(pk=1)[0]
