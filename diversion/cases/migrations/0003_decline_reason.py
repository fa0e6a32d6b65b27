"""Why the person declined the offer, asked with their decision from now on.

A declined referral must now carry a reason. Rows declined before the question was asked
are given "other" before the constraints are added, so the migration holds on any data;
the update is made after the history triggers are back, so each such referral's history
records it, with that explanation as the reason.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
SELECT set_config(
    'pghistory.context_metadata',
    '{"user": null, "reason": "Declined before the reason was asked: recorded as another reason"}',
    true
);
UPDATE cases_referral SET decline_reason = 'other'
WHERE person_decision = 'declined' AND decline_reason = '';
SELECT set_config('pghistory.context_metadata', '', true);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_overdue_by_case"),
        ("people", "0001_initial"),
        ("policy", "0002_reference_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="referral",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="referral",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="referral",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="referral",
            name="decline_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("prefers_court", "Would rather go to court"),
                    ("conditions", "Does not accept the conditions"),
                    ("disputes_offence", "Denies the offence or disputes the evidence"),
                    ("no_answer_in_time", "Wanted legal advice first and did not answer in time"),
                    ("no_reason", "Did not give a reason"),
                    ("other", "Another reason"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="referralhistory",
            name="decline_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("prefers_court", "Would rather go to court"),
                    ("conditions", "Does not accept the conditions"),
                    ("disputes_offence", "Denies the offence or disputes the evidence"),
                    ("no_answer_in_time", "Wanted legal advice first and did not answer in time"),
                    ("no_reason", "Did not give a reason"),
                    ("other", "Another reason"),
                ],
                max_length=20,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="referral",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "cases_referralhistory" ("arrested_at", "authorisation_reason", "authorised_at", "authorised_by_id", "circumstances", "created_at", "created_by_id", "crime_reference", "custody_record_number", "custody_suite_id", "decide_by", "decided_at", "decision_rationale", "decline_reason", "eligibility_reasons", "eligible", "gravity_score", "id", "needs_authorisation", "offence_date", "offence_type_id", "offered_at", "officer_decision", "person_decision", "person_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "policy_version_id", "risk_band", "status", "submission_token", "victim", "victim_views") VALUES (NEW."arrested_at", NEW."authorisation_reason", NEW."authorised_at", NEW."authorised_by_id", NEW."circumstances", NEW."created_at", NEW."created_by_id", NEW."crime_reference", NEW."custody_record_number", NEW."custody_suite_id", NEW."decide_by", NEW."decided_at", NEW."decision_rationale", NEW."decline_reason", NEW."eligibility_reasons", NEW."eligible", NEW."gravity_score", NEW."id", NEW."needs_authorisation", NEW."offence_date", NEW."offence_type_id", NEW."offered_at", NEW."officer_decision", NEW."person_decision", NEW."person_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, COALESCE((NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\')::JSONB ->> \'at\')::TIMESTAMPTZ, NOW()), \'insert\', NEW."id", NEW."policy_version_id", NEW."risk_band", NEW."status", NEW."submission_token", NEW."victim", NEW."victim_views"); RETURN NULL;',
                    hash="73ea0494710d2a8c68185c8db4643984e87f5098",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_b2939",
                    table="cases_referral",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="referral",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "cases_referralhistory" ("arrested_at", "authorisation_reason", "authorised_at", "authorised_by_id", "circumstances", "created_at", "created_by_id", "crime_reference", "custody_record_number", "custody_suite_id", "decide_by", "decided_at", "decision_rationale", "decline_reason", "eligibility_reasons", "eligible", "gravity_score", "id", "needs_authorisation", "offence_date", "offence_type_id", "offered_at", "officer_decision", "person_decision", "person_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "policy_version_id", "risk_band", "status", "submission_token", "victim", "victim_views") VALUES (NEW."arrested_at", NEW."authorisation_reason", NEW."authorised_at", NEW."authorised_by_id", NEW."circumstances", NEW."created_at", NEW."created_by_id", NEW."crime_reference", NEW."custody_record_number", NEW."custody_suite_id", NEW."decide_by", NEW."decided_at", NEW."decision_rationale", NEW."decline_reason", NEW."eligibility_reasons", NEW."eligible", NEW."gravity_score", NEW."id", NEW."needs_authorisation", NEW."offence_date", NEW."offence_type_id", NEW."offered_at", NEW."officer_decision", NEW."person_decision", NEW."person_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, COALESCE((NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\')::JSONB ->> \'at\')::TIMESTAMPTZ, NOW()), \'update\', NEW."id", NEW."policy_version_id", NEW."risk_band", NEW."status", NEW."submission_token", NEW."victim", NEW."victim_views"); RETURN NULL;',
                    hash="54e06d2a78beac16f396d570c720a26b27c06db4",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_18505",
                    table="cases_referral",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="referral",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "cases_referralhistory" ("arrested_at", "authorisation_reason", "authorised_at", "authorised_by_id", "circumstances", "created_at", "created_by_id", "crime_reference", "custody_record_number", "custody_suite_id", "decide_by", "decided_at", "decision_rationale", "decline_reason", "eligibility_reasons", "eligible", "gravity_score", "id", "needs_authorisation", "offence_date", "offence_type_id", "offered_at", "officer_decision", "person_decision", "person_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "policy_version_id", "risk_band", "status", "submission_token", "victim", "victim_views") VALUES (OLD."arrested_at", OLD."authorisation_reason", OLD."authorised_at", OLD."authorised_by_id", OLD."circumstances", OLD."created_at", OLD."created_by_id", OLD."crime_reference", OLD."custody_record_number", OLD."custody_suite_id", OLD."decide_by", OLD."decided_at", OLD."decision_rationale", OLD."decline_reason", OLD."eligibility_reasons", OLD."eligible", OLD."gravity_score", OLD."id", OLD."needs_authorisation", OLD."offence_date", OLD."offence_type_id", OLD."offered_at", OLD."officer_decision", OLD."person_decision", OLD."person_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, COALESCE((NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\')::JSONB ->> \'at\')::TIMESTAMPTZ, NOW()), \'delete\', OLD."id", OLD."policy_version_id", OLD."risk_band", OLD."status", OLD."submission_token", OLD."victim", OLD."victim_views"); RETURN NULL;',
                    hash="23cbdb84e1b956da86ef50b6000a8c6cd0f97f61",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_33b55",
                    table="cases_referral",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("person_decision", "declined"), _negated=True),
                    (
                        "decline_reason__in",
                        [
                            "prefers_court",
                            "conditions",
                            "disputes_offence",
                            "no_answer_in_time",
                            "no_reason",
                            "other",
                        ],
                    ),
                    _connector="OR",
                ),
                name="referral_declined_has_reason",
                violation_error_message="Select why the person declined",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("person_decision", "declined"), ("decline_reason", ""), _connector="OR"
                ),
                name="referral_decline_reason_only_when_declined",
            ),
        ),
    ]
