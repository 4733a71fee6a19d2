from django.urls import path

from districts import views

app_name = "districts"
urlpatterns = [
    path("national/", views.national, name="national"),
    path("province/<str:code>/", views.province, name="province"),
    path("district/<str:code>/", views.district, name="district"),
    path("commune/<str:code>/", views.commune, name="commune"),
]
