"""factory_boy factories: the one way tests build data.

Their defaults build a valid province > district > commune > village chain, and a reporting period with a
district report whose figures add up (DistrictReportFactory's traits say how much of it is filled in).
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from districts.models import Assignment, Commune, District, Province, Role, UnitType, Village
from reports import quarters
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    OdfStatus,
    ReportingPeriod,
    ReportStatus,
    Training,
    TrainingTopic,
    VillageQuarter,
)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{90 - n % 60:02d}")
    name_km = factory.Sequence(lambda n: f"ខេត្តសាកល្បង {n}")
    name_latin = factory.Sequence(lambda n: f"Test Province {n}")
    unit_type = UnitType.PROVINCE


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ["code"]

    province = factory.SubFactory(ProvinceFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.province.code}{n % 90 + 10:02d}")
    name_km = factory.Sequence(lambda n: f"ស្រុកសាកល្បង {n}")
    name_latin = factory.Sequence(lambda n: f"Test District {n}")
    unit_type = UnitType.DISTRICT


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["code"]

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district.code}{n % 90 + 10:02d}")
    name_km = factory.Sequence(lambda n: f"ឃុំសាកល្បង {n}")
    name_latin = factory.Sequence(lambda n: f"Test Commune {n}")
    unit_type = UnitType.COMMUNE


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village
        django_get_or_create = ["code"]

    commune = factory.SubFactory(CommuneFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.commune.code}{n % 90 + 10:02d}")
    name_km = factory.Sequence(lambda n: f"ភូមិសាកល្បង {n}")
    name_latin = factory.Sequence(lambda n: f"Test Village {n}")
    unit_type = UnitType.VILLAGE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(UserFactory)
    role = Role.DSO


# --- The quarterly data -------------------------------------------------------------------------------------


def on_day(day, hour=10):
    """An aware datetime on `day` in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    """A quarter, open, due a fortnight after it ends; Q1 2024 unless told. Asking again for a quarter gives it back."""

    class Meta:
        model = ReportingPeriod
        django_get_or_create = ["year", "quarter"]

    year = 2024
    quarter = 1
    deadline = factory.LazyAttribute(lambda o: quarters.default_deadline(o.year, o.quarter))
    is_open = True


class _SavedWithHistory(factory.django.DjangoModelFactory):
    """Saves through the model, so that django-simple-history records `by` (a user; None as a script saves)."""

    class Meta:
        abstract = True

    by = None

    @classmethod
    def _build(cls, model_class, *args, by=None, **kwargs):
        instance = model_class(*args, **kwargs)
        instance._history_user = by
        return instance

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = cls._build(model_class, *args, **kwargs)
        instance.save()
        return instance


class VillageQuarterFactory(_SavedWithHistory):
    """One village's figures that add up and raise no warning.

    Parameters: `total` households (100), of which `own` (40%) have their own improved latrine, `shared`
    (10%) share one, `unimproved` (30%) have an unimproved latrine and the rest practise open defecation.
    A fifth are IDPoor, a tenth IDPoor with a latrine; 3 latrines built; the own-latrine households wash
    hands with soap; the village is triggered.
    """

    class Meta:
        model = VillageQuarter

    class Params:
        total = 100
        own = factory.LazyAttribute(lambda o: o.total * 4 // 10)
        shared = factory.LazyAttribute(lambda o: o.total // 10)
        unimproved = factory.LazyAttribute(lambda o: o.total * 3 // 10)

    report = factory.SubFactory("tests.factories.DistrictReportFactory")
    village = factory.SubFactory(VillageFactory, commune__district=factory.SelfAttribute("...report.district"))
    households_total = factory.SelfAttribute("total")
    hh_improved_own = factory.SelfAttribute("own")
    hh_improved_shared = factory.SelfAttribute("shared")
    hh_unimproved = factory.SelfAttribute("unimproved")
    hh_open_defecation = factory.LazyAttribute(lambda o: o.total - o.own - o.shared - o.unimproved)
    idpoor_households = factory.LazyAttribute(lambda o: o.total // 5)
    idpoor_improved = factory.LazyAttribute(lambda o: o.total // 10)
    latrines_built = 3
    hh_handwashing = factory.SelfAttribute("own")
    odf_status = OdfStatus.TRIGGERED


class CommuneQuarterFactory(_SavedWithHistory):
    """A commune's activities: 2 triggering events (20 women, 15 men), 1 BCC session (8 women, 4 men), 1 meeting,
    120.00 USD of commune budget."""

    class Meta:
        model = CommuneQuarter

    report = factory.SubFactory("tests.factories.DistrictReportFactory")
    commune = factory.SubFactory(CommuneFactory, district=factory.SelfAttribute("..report.district"))
    triggering_events = 2
    triggering_women = 20
    triggering_men = 15
    bcc_sessions = 1
    bcc_women = 8
    bcc_men = 4
    cwg_meetings = 1
    commune_budget = Decimal("120.00")


class TrainingFactory(_SavedWithHistory):
    """A CLTS training of 20 people (1 provincial, 4 district, 10 commune, 5 village staff), 9 of them women."""

    class Meta:
        model = Training

    report = factory.SubFactory("tests.factories.DistrictReportFactory")
    topic = TrainingTopic.CLTS
    participants_provincial = 1
    participants_district = 4
    participants_commune = 10
    participants_village = 5
    women = 9


# What DistrictReportFactory(complete=True) enters: the district section, each commune's activities, and each
# village's figures on top of VillageQuarterFactory's (as tests/reports/pages.good_village posts them).
DISTRICT_SECTION = {
    "wg_meeting_held": True,
    "wg_meeting_attendance": 18,
    "wg_meeting_attendance_women": 7,
    "ft_annual_allocation": Decimal("4000.00"),
    "ft_carried_over": Decimal("250.00"),
    "ft_received": Decimal("1000.00"),
    "spent_meetings": Decimal("200.00"),
    "spent_triggering": Decimal("300.00"),
    "spent_training": Decimal("100.00"),
    "spent_monitoring": Decimal("50.00"),
    "spent_odf_verification": Decimal("0.00"),
    "spent_other": Decimal("0.00"),
    "active_suppliers": 4,
    "active_masons": 9,
    "achievements": "Three villages triggered.",
    "challenges": "Flooding in September.",
    "next_quarter_plan": "Verify ODF in the triggered villages.",
}
ACTIVITIES = {
    "triggering_events": 2,
    "triggering_women": 30,
    "triggering_men": 25,
    "bcc_sessions": 3,
    "bcc_women": 40,
    "bcc_men": 20,
    "cwg_meetings": 1,
    "commune_budget": Decimal("150.00"),
}
COMPLETE_VILLAGE = {
    "idpoor_households": factory.LazyAttribute(lambda o: o.total // 4),
    "hh_handwashing": factory.LazyAttribute(lambda o: o.total // 2),
}

SENT_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.RETURNED)
DAYS_LATE = 3


def _first_submission(report):
    if report.status not in SENT_STATUSES:
        return None
    return on_day(report.period.deadline + datetime.timedelta(days=0 if report.on_time else DAYS_LATE), hour=23)


def _approval(report):
    if report.status != ReportStatus.APPROVED or report.submitted_at is None:
        return None
    return report.submitted_at + datetime.timedelta(days=1)


def _first_day(report):
    return report.period.bounds[0]


def _commune_rows(activities):
    """Post-generation: a CommuneQuarter for every commune active in the quarter (`activities` on top of the
    factory's), or none when `activities` is None; `communes__<field>=...` changes a field in every one."""

    def make(report, create, extracted, **fields):
        if not create or activities is None:
            return
        for commune in report.district.communes.active_on(_first_day(report)).order_by("code"):
            CommuneQuarterFactory(report=report, commune=commune, by=report._history_user, **{**activities, **fields})

    return factory.PostGeneration(make)


def _village_rows(figures):
    """Post-generation: a VillageQuarter for every village active in the quarter (`figures` on top of the
    factory's), or none when `figures` is None. Each village keeps its households of last quarter when that
    quarter has a row for it (no household-jump warning).

    `villages={code: {...}}` gives a row to the villages named only, with those figures on top;
    `villages__<field>=...` changes a figure (or a parameter of VillageQuarterFactory: total, own, ...) in every row.
    """

    def make(report, create, extracted, **fields):
        if not create or (figures is None and extracted is None):
            return
        first_day = _first_day(report)
        last_quarter = report.period.previous()
        households_before = dict(
            VillageQuarter.objects.filter(report__period=last_quarter, households_total__gt=0).values_list(
                "village_id", "households_total"
            )
            if last_quarter
            else ()
        )
        for commune in report.district.communes.active_on(first_day).order_by("code"):
            for village in commune.villages.active_on(first_day).order_by("code"):
                if extracted is not None and village.code not in extracted:
                    continue
                values = {**(figures or {}), **fields, **((extracted or {}).get(village.code) or {})}
                if village.pk in households_before:
                    values.setdefault("total", households_before[village.pk])
                VillageQuarterFactory(report=report, village=village, by=report._history_user, **values)

    return factory.PostGeneration(make)


def _trainings(report, create, extracted, **fields):
    """Post-generation: `trainings=[{...}, ...]`, a Training for each (on top of TrainingFactory's figures)."""
    if create:
        for training in extracted or ():
            TrainingFactory(report=report, by=report._history_user, **{**fields, **training})


class DistrictReportFactory(_SavedWithHistory):
    """A district's report for a quarter; by default a draft with nothing entered yet.

    Traits:
    - filled: every commune active in the quarter has CommuneQuarterFactory's activities and every village
      VillageQuarterFactory's figures; 175.00 USD received, 40.00 spent on triggering and 20.50 on training.
      The sums the rollup and dashboard tests count.
    - complete: nothing for workflow.submission_problems to object to: the district section filled in
      (DISTRICT_SECTION, the working group met on the quarter's 45th day), every commune its ACTIVITIES,
      every village figures that add up with no warning (COMPLETE_VILLAGE).
    - submitted, approved, returned: the status (and its dates), set directly, with no workflow event; first
      submitted on the deadline day at 23:00, or DAYS_LATE days after it with `late`. Approved the day after.
    Post-generation: `villages=` and `villages__<field>=` (see _village_rows), `communes__<field>=`,
    `trainings=[{...}, ...]`. `by`: the user django-simple-history records for every row.
    Rows are for the communes and villages active on the quarter's first day.
    """

    class Meta:
        model = DistrictReport
        skip_postgeneration_save = True

    class Params:
        on_time = True
        late = factory.Trait(on_time=False)
        submitted = factory.Trait(status=ReportStatus.SUBMITTED)
        approved = factory.Trait(status=ReportStatus.APPROVED)
        returned = factory.Trait(status=ReportStatus.RETURNED)
        filled = factory.Trait(
            ft_received=Decimal("175.00"),
            spent_triggering=Decimal("40.00"),
            spent_training=Decimal("20.50"),
            communes=_commune_rows({}),
            villages=_village_rows({}),
        )
        complete = factory.Trait(
            **DISTRICT_SECTION,
            wg_meeting_date=factory.LazyAttribute(lambda o: _first_day(o) + datetime.timedelta(days=44)),
            communes=_commune_rows(ACTIVITIES),
            villages=_village_rows(COMPLETE_VILLAGE),
        )

    district = factory.SubFactory(DistrictFactory)
    period = factory.SubFactory(ReportingPeriodFactory)
    status = ReportStatus.DRAFT
    submitted_at = factory.LazyAttribute(_first_submission)
    approved_at = factory.LazyAttribute(_approval)
    communes = _commune_rows(None)
    villages = _village_rows(None)
    trainings = factory.PostGeneration(_trainings)
