"""What our figures and units are called in DHIS2: the mapping the MRD keeps (page "DHIS2 exchange", CSV upload)."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# DHIS2 codes and UIDs: letters, digits, _ . - (a UID is 11 letters and digits); also what ADX needs of a token.
# The first character a letter or digit: a cell starting with "-" is a formula to a spreadsheet.
IDENTIFIER = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,49}$",
    _("Use at most 50 letters, digits, underscores, dots or hyphens, without spaces, starting with a letter or digit."),
    code="identifier",
)


class Dhis2Mapping(models.Model):
    """One line of the mapping: the data set's identifier, a figure's data element (and category option combo),
    or a unit's organisation unit where it is not the NCDD code."""

    class Kind(models.TextChoices):
        DATA_SET = "data_set", _("data set")
        FIGURE = "figure", _("figure")
        ORG_UNIT = "org_unit", _("organisation unit")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(
        _("key"), max_length=64, help_text=_("data_set; the portal's name of a figure; or a unit's NCDD code.")
    )
    identifier = models.CharField(_("DHIS2 identifier"), max_length=50, validators=[IDENTIFIER])
    category_option_combo = models.CharField(
        _("category option combo"), max_length=50, blank=True, validators=[IDENTIFIER]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="dhis2_mapping_unique_key")]
        verbose_name = _("DHIS2 mapping line")
        verbose_name_plural = _("DHIS2 mapping")

    def __str__(self):
        return f"{self.kind} {self.key} → {self.identifier}"
