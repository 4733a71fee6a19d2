from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from districts.models import Assignment, Commune, District, Province, Village


class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name_km", "name_latin", "unit_type", "retired_on"]
    list_filter = ["unit_type", "retired_on"]
    search_fields = ["code", "name_km", "name_latin"]
    filter_horizontal = ["successors"]
    ordering = ["code"]


@admin.register(Province)
class ProvinceAdmin(UnitAdmin):
    pass


@admin.register(District)
class DistrictAdmin(UnitAdmin):
    list_display = UnitAdmin.list_display + ["province"]
    list_filter = UnitAdmin.list_filter + ["province"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]


@admin.register(Commune)
class CommuneAdmin(UnitAdmin):
    list_display = UnitAdmin.list_display + ["district"]
    list_filter = UnitAdmin.list_filter + ["district__province"]
    list_select_related = ["district"]
    autocomplete_fields = ["district"]


@admin.register(Village)
class VillageAdmin(UnitAdmin):
    list_display = UnitAdmin.list_display + ["commune"]
    list_filter = UnitAdmin.list_filter + ["commune__district__province"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "province", "district", "commune"]
    list_filter = ["role", "province"]
    list_select_related = ["user", "province", "district", "commune"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "province", "district", "commune"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 1
    autocomplete_fields = ["province", "district", "commune"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [AssignmentInline]
