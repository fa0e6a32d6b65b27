from django.urls import path

from diversion.cases.views import intake, printing, returned
from diversion.cases.views import referral as views

app_name = "referrals"
urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("new/", intake.start, name="new"),
    path("new/confirmation/", intake.confirmation, name="new_confirmation"),
    path("drafts/<int:pk>/", intake.resume, name="draft"),
    path("drafts/<int:pk>/discard/", intake.discard, name="discard_draft"),
    path("drafts/<int:pk>/offer/print/", printing.desk_offer, name="draft_print"),
    path("drafts/<int:pk>/<slug:step>/", intake.step, name="draft_step"),
    path("authorisations/", views.authorisations, name="authorisations"),
    path("returned/", returned.returned_cases, name="returned"),
    path("returned/<int:pk>/actioned/", returned.mark_actioned, name="actioned"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", printing.offer, name="print"),
    path("<int:pk>/decision/", views.record_decision, name="decision"),
    path("<int:pk>/authorisation/", views.authorisation, name="authorisation"),
]
