from django.urls import path

from reports.dashboards import settings_views, views

urlpatterns = [
    path("dashboard/", views.dashboard_home, name="dashboard"),
    path("dashboard/national/", views.national_dashboard, name="dashboard_national"),
    path("dashboard/national/<slug:name>.csv", views.national_csv, name="dashboard_national_csv"),
    path("dashboard/national/<slug:name>.xlsx", views.national_xlsx, name="dashboard_national_xlsx"),
    path("dashboard/province/<str:code>/", views.province_dashboard, name="dashboard_province"),
    path("dashboard/province/<str:code>/<slug:name>.csv", views.province_csv, name="dashboard_province_csv"),
    path("dashboard/province/<str:code>/<slug:name>.xlsx", views.province_xlsx, name="dashboard_province_xlsx"),
    path("dashboard/district/<str:code>/", views.district_dashboard, name="dashboard_district"),
    path("dashboard/district/<str:code>/<slug:name>.csv", views.district_csv, name="dashboard_district_csv"),
    path("dashboard/district/<str:code>/<slug:name>.xlsx", views.district_xlsx, name="dashboard_district_xlsx"),
    path("settings/odf-scorecard/", settings_views.odf_scorecard_settings, name="odf_scorecard_settings"),
]
