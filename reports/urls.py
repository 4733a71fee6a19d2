from django.urls import path

from .views import entry, periods, review

app_name = "reports"

# Dashboards (issue 6) — edit only this list.
from .views import dashboards as dashboard_views  # noqa: E402

dashboard_urls = [
    path("dashboard/", dashboard_views.dashboard_home, name="dashboard"),
    path("dashboard/national/", dashboard_views.national_dashboard, name="dashboard_national"),
    path("dashboard/national/<slug:name>.csv", dashboard_views.national_csv, name="dashboard_national_csv"),
    path("dashboard/province/<str:code>/", dashboard_views.province_dashboard, name="dashboard_province"),
    path("dashboard/province/<str:code>/<slug:name>.csv", dashboard_views.province_csv,
         name="dashboard_province_csv"),
    path("dashboard/district/<str:code>/", dashboard_views.district_dashboard, name="dashboard_district"),
    path("dashboard/district/<str:code>/<slug:name>.csv", dashboard_views.district_csv,
         name="dashboard_district_csv"),
]

# PDF reports (issue 7) — edit only this list.
from .views import pdfs as pdf_views  # noqa: E402

pdf_urls = [
    path("pdf/district/<str:district>/<int:year>/q<int:quarter>/", pdf_views.district_pdf, name="pdf_district"),
    path("pdf/province/<str:province>/<int:year>/q<int:quarter>/", pdf_views.provincial_pdf, name="pdf_provincial"),
    path("pdf/national/<int:year>/q<int:quarter>/", pdf_views.national_pdf, name="pdf_national"),
    path("pdf/status/<uuid:public_id>/", pdf_views.stored_status, name="pdf_status"),
    path("pdf/file/<uuid:public_id>/", pdf_views.stored_file, name="pdf_file"),
]

urlpatterns = [
    *dashboard_urls,
    *pdf_urls,
    path("periods/", periods.period_list, name="periods"),
    path("periods/<int:pk>/", periods.period_edit, name="period_edit"),
    path("review/", review.review_queue, name="review_queue"),
    path("completeness/<int:year>/q<int:quarter>/", review.completeness_table, name="completeness"),
    path("province/<str:province>/<int:year>/q<int:quarter>/", review.provincial_report, name="provincial"),
    path("<str:district>/", entry.district_reports, name="district_reports"),
    path("<str:district>/targets/<int:year>/", entry.plan_targets, name="plan_targets"),
    path("<str:district>/<int:year>/q<int:quarter>/", entry.report_detail, name="report"),
    path("<str:district>/<int:year>/q<int:quarter>/district/", entry.district_section, name="district_section"),
    path("<str:district>/<int:year>/q<int:quarter>/commune/<str:commune>/", entry.commune_entry, name="commune"),
    path("<str:district>/<int:year>/q<int:quarter>/submit/", review.submit, name="submit"),
    path("<str:district>/<int:year>/q<int:quarter>/approve/", review.approve, name="approve"),
    path("<str:district>/<int:year>/q<int:quarter>/return/", review.return_for_correction, name="return"),
    path("<str:district>/<int:year>/q<int:quarter>/reopen/", review.reopen, name="reopen"),
    path("<str:district>/<int:year>/q<int:quarter>/history/", review.report_history, name="history"),
]
