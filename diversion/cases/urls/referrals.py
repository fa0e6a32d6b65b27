from django.urls import path

from diversion.cases.views import intake, returned
from diversion.cases.views import referral as views

app_name = "referrals"
urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("new/", intake.start, name="new"),
    path("new/<slug:step>/", intake.step, name="new_step"),
    path("authorisations/", views.authorisations, name="authorisations"),
    path("returned/", returned.returned_cases, name="returned"),
    path("returned/<int:pk>/actioned/", returned.mark_actioned, name="actioned"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_offer, name="print"),
    path("<int:pk>/decision/", views.record_decision, name="decision"),
    path("<int:pk>/authorisation/", views.authorisation, name="authorisation"),
]
