from django.urls import path

from reports.entry import period_views, spreadsheet_views, views

REPORT = "<str:district>/<int:year>/q<int:quarter>/"

urlpatterns = [
    path("periods/", period_views.period_list, name="periods"),
    path("periods/<int:pk>/", period_views.period_edit, name="period_edit"),
    path("<str:district>/", views.district_reports, name="district_reports"),
    path("<str:district>/targets/<int:year>/", views.plan_targets, name="plan_targets"),
    path(f"{REPORT}district/", views.district_section, name="district_section"),
    path(f"{REPORT}commune/<str:commune>/", views.commune_entry, name="commune"),
    path(f"{REPORT}spreadsheet.xlsx", spreadsheet_views.download, name="spreadsheet"),
    path(f"{REPORT}spreadsheet/", spreadsheet_views.upload, name="spreadsheet_upload"),
]
