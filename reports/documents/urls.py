from django.urls import path

from reports.documents import views

urlpatterns = [
    path("pdf/district/<str:district>/<int:year>/q<int:quarter>/", views.district_pdf, name="pdf_district"),
    path("pdf/province/<str:province>/<int:year>/q<int:quarter>/", views.provincial_pdf, name="pdf_provincial"),
    path("pdf/national/<int:year>/q<int:quarter>/", views.national_pdf, name="pdf_national"),
    path("pdf/status/<uuid:public_id>/", views.stored_status, name="pdf_status"),
    path("pdf/file/<uuid:public_id>/", views.stored_file, name="pdf_file"),
]
