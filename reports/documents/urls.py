from django.urls import path

from reports.documents import views

urlpatterns = [
    path("pdf/district/<str:district>/<int:year>/q<int:quarter>/", views.district_pdf, name="pdf_district"),
    path("pdf/province/<str:province>/<int:year>/q<int:quarter>/", views.provincial_pdf, name="pdf_provincial"),
    path("pdf/national/<int:year>/q<int:quarter>/", views.national_pdf, name="pdf_national"),
    path(
        "pdf/certificate/village/<str:code>/",
        views.certificate_pdf,
        {"level": "village"},
        name="pdf_certificate_village",
    ),
    path(
        "pdf/certificate/commune/<str:code>/",
        views.certificate_pdf,
        {"level": "commune"},
        name="pdf_certificate_commune",
    ),
    path(
        "pdf/certificate/district/<str:code>/",
        views.certificate_pdf,
        {"level": "district"},
        name="pdf_certificate_district",
    ),
    path("pdf/status/<uuid:public_id>/", views.stored_status, name="pdf_status"),
    path("pdf/file/<uuid:public_id>/", views.stored_file, name="pdf_file"),
]
