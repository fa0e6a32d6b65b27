from django.contrib import admin
from django.http import HttpRequest

from diversion.policy.models import CustodySuite, OffenceType, PolicyVersion


@admin.register(OffenceType)
class OffenceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "group"]
    list_filter = ["group"]
    search_fields = ["name", "code"]


@admin.register(CustodySuite)
class CustodySuiteAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "effective_from",
        "minimum_age",
        "maximum_gravity_score",
        "back_entry_days",
    ]
    filter_horizontal = [
        "eligible_offence_types",
        "authorisation_offence_types",
        "excluded_offence_types",
    ]

    def has_change_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        # A version that referrals were assessed under is a historical record: make a new
        # version instead of rewriting the rules those decisions were made under.
        if obj is not None and obj.referral_set.exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        if obj is not None and obj.referral_set.exists():
            return False
        return super().has_delete_permission(request, obj)
