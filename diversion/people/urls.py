from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
]
