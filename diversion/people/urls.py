from django.urls import path

from diversion.people import views

# Served in the "people" namespace by diversion/urls.py, with the person page.
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="new"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/later-offences/new/", views.later_offence, name="later_offence"),
]
