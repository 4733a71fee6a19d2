"""Cambodia's administrative hierarchy (NCDD gazetteer) and who is assigned to which unit.

Province > District (srok/krong/khan) > Commune (khum/sangkat) > Village. The gazetteer code is
a unit's identity; names change and spellings vary. Units are retired, never deleted, so that
reports filed under a unit that no longer exists (district 0505 Odongk before December 2022)
keep pointing at it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from districts import scoping
from districts.roles import UNIT_FIELD_BY_ROLE, Role


class UnitType(models.TextChoices):
    PROVINCE = "khaet", _("Province (khaet)")
    CAPITAL = "reach_thani", _("Capital (reach thani)")
    DISTRICT = "srok", _("District (srok)")
    MUNICIPALITY = "krong", _("Municipality (krong)")
    SECTION = "khan", _("Section (khan)")
    COMMUNE = "khum", _("Commune (khum)")
    QUARTER = "sangkat", _("Quarter (sangkat)")
    VILLAGE = "phum", _("Village (phum)")


# The gazetteer's Khmer type names, as they appear in the NCDD export.
UNIT_TYPE_BY_KHMER = {
    "ខេត្ត": UnitType.PROVINCE,
    "រាជធានី": UnitType.CAPITAL,
    "ស្រុក": UnitType.DISTRICT,
    "ក្រុង": UnitType.MUNICIPALITY,
    "ខណ្ឌ": UnitType.SECTION,
    "ឃុំ": UnitType.COMMUNE,
    "សង្កាត់": UnitType.QUARTER,
    "ភូមិ": UnitType.VILLAGE,
}


def existed_on(retired_on, created, day) -> bool:
    """active_on(day) for one unit read with with_lifespan(): not yet retired on `day`, and already created."""
    return (retired_on is None or retired_on > day) and (created is None or created <= day)


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_on__isnull=True)

    def active_on(self, day):
        """Units that existed on `day`: not yet retired then, and not yet created.

        The gazetteer gives no creation dates; a unit that succeeds a retired one (0509 and 0510
        after 0505 Odongk) is taken to exist from its predecessor's retirement.
        """
        return self.filter(models.Q(retired_on__isnull=True) | models.Q(retired_on__gt=day)).exclude(
            predecessors__retired_on__gt=day
        )

    def with_lifespan(self):
        """Each unit with `created`: the day its last predecessor retired (None: it has no predecessor). With its own
        `retired_on` that decides active_on() for any number of days from one query (existed_on)."""
        return self.annotate(created=models.Max("predecessors__retired_on"))

    def visible_to(self, user):
        """Units `user` may read. SECURITY: every view fetches units through this."""
        return self.filter(scoping.read_q(user, self.model.level))

    def editable_by(self, user):
        """Units `user` may enter data for. SECURITY: every write path fetches through this."""
        return self.filter(scoping.write_q(user, self.model.level))

    def reviewable_by(self, user):
        """Provinces or districts whose reports `user` reviews."""
        return self.filter(scoping.review_q(user, self.model.level))


class AdministrativeUnit(models.Model):
    """Fields every level shares."""

    code = models.CharField(_("gazetteer code"), max_length=8, unique=True)
    name_km = models.CharField(_("name in Khmer"), max_length=200)
    name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    unit_type = models.CharField(_("type"), max_length=16, choices=UnitType.choices)
    reference = models.CharField(_("legal reference"), max_length=300, blank=True)
    official_note = models.TextField(_("official note"), blank=True)
    retired_on = models.DateField(
        _("retired on"), null=True, blank=True, help_text=_("The day the unit ceased to exist.")
    )
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors", verbose_name=_("successors")
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse(f"districts:{self.level}", args=[self.code])

    @property
    def name(self):
        """The name in the script of the active language."""
        return self.name_km if get_language() == "km" or not self.name_latin else self.name_latin

    @property
    def is_retired(self):
        return self.retired_on is not None


class Province(AdministrativeUnit):
    level = "province"

    class Meta(AdministrativeUnit.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class District(AdministrativeUnit):
    level = "district"
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("province")
    )

    class Meta(AdministrativeUnit.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Commune(AdministrativeUnit):
    level = "commune"
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="communes", verbose_name=_("district")
    )

    class Meta(AdministrativeUnit.Meta):
        verbose_name = _("commune")
        verbose_name_plural = _("communes")


class Village(AdministrativeUnit):
    level = "village"
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("commune"))

    class Meta(AdministrativeUnit.Meta):
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def get_absolute_url(self):
        return self.commune.get_absolute_url()


class Assignment(models.Model):
    """One role held by one user for one administrative unit (or the whole country)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    province = models.ForeignKey(
        Province,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("province"),
    )
    district = models.ForeignKey(
        District,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("district"),
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("commune")
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["user", "role"]
        constraints = [
            # Exactly the unit field the role calls for is set (national roles: none).
            models.CheckConstraint(
                name="assignment_unit_matches_role",
                condition=(
                    models.Q(
                        role=Role.COMMUNE_FOCAL_POINT,
                        commune__isnull=False,
                        district__isnull=True,
                        province__isnull=True,
                    )
                    | models.Q(role=Role.DSO, district__isnull=False, commune__isnull=True, province__isnull=True)
                    | models.Q(
                        role__in=[Role.PA_VIEWER, Role.PDRD_REVIEWER],
                        province__isnull=False,
                        district__isnull=True,
                        commune__isnull=True,
                    )
                    | models.Q(
                        role__in=[Role.MRD_NATIONAL, Role.ADMINISTRATOR],
                        province__isnull=True,
                        district__isnull=True,
                        commune__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self):
        unit = self.unit
        return f"{self.get_role_display()} — {unit}" if unit else str(self.get_role_display())

    @property
    def unit(self):
        field = UNIT_FIELD_BY_ROLE[self.role]
        return getattr(self, field) if field else None

    def clean(self):
        wanted = UNIT_FIELD_BY_ROLE.get(self.role)
        errors = {}
        for field in ("province", "district", "commune"):
            value = getattr(self, f"{field}_id")
            if field == wanted and value is None:
                errors[field] = _("This role needs a %(unit)s.") % {"unit": self._meta.get_field(field).verbose_name}
            elif field != wanted and value is not None:
                errors[field] = _("Leave this empty for this role.")
        if errors:
            raise ValidationError(errors)


class UserProfile(models.Model):
    """What the portal remembers about a person beyond Django's user: their language (pages and e-mails) and
    whether dates on Khmer pages are written in Khmer digits."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    khmer_digits = models.BooleanField(
        _("dates in Khmer digits"), default=False, help_text=_("On Khmer pages, dates written ១៥/១០/២០១៩.")
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return str(self.user)

    @classmethod
    def language_of(cls, user):
        try:
            return user.profile.language
        except cls.DoesNotExist:
            return settings.LANGUAGE_CODE
