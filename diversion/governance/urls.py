from django.urls import path

from diversion.governance.views import subject_access

app_name = "governance"
urlpatterns: list = [
    path("subject-access/", subject_access.start, name="subject_access"),
]
