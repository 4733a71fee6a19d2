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


class ApiToken(models.Model):
    """A key to the read API (reports/exchange/api.py), issued to one user by an administrator: requests made with
    it see exactly what that user sees in the pages. Only a hash of the key is kept; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Who or what uses it, e.g. the partner's system."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("begins with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"token {self.pk}"  # also the API's throttling key: never the key itself

    @property
    def is_active(self):
        return self.revoked_at is None
