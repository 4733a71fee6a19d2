"""Demo users for a first run. Never load these on a production server: they share one password."""

from django.contrib.auth import get_user_model
from django.db import transaction

from districts.models import Assignment, Commune, District, Province, Role

DEMO_PASSWORD = "demo-drssd-2019"

# username, first name, last name, role, unit code (None for national roles)
DEMO_USERS = [
    ("dso_thpong", "Sokha", "Chea", Role.DSO, "0508"),
    ("dso_dambae", "Vanna", "Kim", Role.DSO, "2501"),
    ("ccwc_thpong", "Sreymom", "Phan", Role.COMMUNE_FOCAL_POINT, "050801"),
    ("pdrd_kspeu", "Dara", "Sok", Role.PDRD_REVIEWER, "05"),
    ("pa_kspeu", "Rith", "Mao", Role.PA_VIEWER, "05"),
    ("pdrd_tbkhmum", "Sophea", "Long", Role.PDRD_REVIEWER, "25"),
    # Dambae's ODF verifiers (demo_odf.py): DSOs of neighbouring districts of Tbong Khmum.
    ("dso_ponheakraek", "Piseth", "Nhem", Role.DSO, "2505"),
    ("dso_memot", "Sreyneang", "Chan", Role.DSO, "2503"),
    ("mrd_national", "Channa", "Heng", Role.MRD_NATIONAL, None),
    ("admin", "Bopha", "Ouk", Role.ADMINISTRATOR, None),
]
UNIT_MODELS = {"province": Province, "district": District, "commune": Commune}


@transaction.atomic
def load_demo_users():
    """Create or reset the demo users and their assignments; returns them."""
    from districts.models import UNIT_FIELD_BY_ROLE

    User = get_user_model()
    users = []
    for username, first, last, role, code in DEMO_USERS:
        is_admin = role == Role.ADMINISTRATOR
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        field = UNIT_FIELD_BY_ROLE[role]
        unit = {field: UNIT_MODELS[field].objects.get(code=code)} if field else {}
        Assignment.objects.get_or_create(user=user, role=role, **unit)
        users.append(user)
    return users
