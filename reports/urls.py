from django.urls import path

from .views import entry, periods

app_name = "reports"
urlpatterns = [
    path("periods/", periods.period_list, name="periods"),
    path("periods/<int:pk>/", periods.period_edit, name="period_edit"),
    path("<str:district>/", entry.district_reports, name="district_reports"),
    path("<str:district>/targets/<int:year>/", entry.plan_targets, name="plan_targets"),
    path("<str:district>/<int:year>/q<int:quarter>/", entry.report_detail, name="report"),
    path("<str:district>/<int:year>/q<int:quarter>/district/", entry.district_section, name="district_section"),
    path("<str:district>/<int:year>/q<int:quarter>/commune/<str:commune>/", entry.commune_entry, name="commune"),
]
