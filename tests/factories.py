"""factory_boy factories. Their defaults build a valid province > district > commune > village chain."""

import factory
from django.contrib.auth import get_user_model

from districts.models import Assignment, Commune, District, Province, Role, UnitType, Village


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
