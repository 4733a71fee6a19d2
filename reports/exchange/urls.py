from django.urls import path

from reports.exchange import views

urlpatterns = [
    path("exchange/dhis2/", views.dhis2_page, name="dhis2"),
    path("exchange/dhis2/export/", views.dhis2_export, name="dhis2_export"),
    path("exchange/dhis2/mapping.csv", views.dhis2_mapping_csv, name="dhis2_mapping_csv"),
    path("exchange/dhis2/adx.xsd", views.dhis2_schema, name="dhis2_schema"),
]
