"""The roles of the portal's users (DESIGN.md, "Users and what each does") and what each role may do.

Every check of a role uses these names, never a retyped string: scoping (which units), the menu
(drssd_portal.context_processors.navigation) and the home page.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMUNE_FOCAL_POINT = "commune_focal_point", _("Commune focal point (CCWC)")
    DSO = "dso", _("District Sanitation Officer")
    PA_VIEWER = "pa_viewer", _("Provincial Administration")
    PDRD_REVIEWER = "pdrd_reviewer", _("PDRD reviewer")
    MRD_NATIONAL = "mrd_national", _("MRD national")
    ADMINISTRATOR = "administrator", _("Administrator")


# Which unit field each role's assignment names; national roles name none.
UNIT_FIELD_BY_ROLE = {
    Role.COMMUNE_FOCAL_POINT: "commune",
    Role.DSO: "district",
    Role.PA_VIEWER: "province",
    Role.PDRD_REVIEWER: "province",
    Role.MRD_NATIONAL: None,
    Role.ADMINISTRATOR: None,
}


# Read the whole country.
NATIONAL_ROLES = (Role.MRD_NATIONAL, Role.ADMINISTRATOR)
# Read a province and everything below it.
PROVINCE_READ_ROLES = (Role.PDRD_REVIEWER, Role.PA_VIEWER)
# Write a district's data (and read it), or a commune's.
DISTRICT_WRITE_ROLES = (Role.DSO,)
COMMUNE_WRITE_ROLES = (Role.COMMUNE_FOCAL_POINT,)
# Review district reports and submit the provincial report.
REVIEW_ROLES = (Role.PDRD_REVIEWER,)
# Accept or return provincial reports; manage reporting periods.
MRD_ROLES = (Role.MRD_NATIONAL,)
PERIOD_MANAGER_ROLES = (Role.MRD_NATIONAL, Role.ADMINISTRATOR)
# See dashboards (everyone but the commune focal point, whose page is the commune's).
DASHBOARD_ROLES = (Role.DSO, *PROVINCE_READ_ROLES, *NATIONAL_ROLES)
# Must log in with a second step (districts/mfa): they approve reports and read a province or the country.
MFA_ROLES = (Role.PDRD_REVIEWER, Role.MRD_NATIONAL, Role.ADMINISTRATOR)
