"""A policy version's milestone schedule: named milestone kinds, checked by the model and by
the database, the final review always among them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from diversion.policy.models import MilestoneKind, PolicyVersion

FINAL = {"code": MilestoneKind.FINAL_REVIEW, "label": "Final review", "months": 4}

BAD_SCHEDULES = {
    "no final review": [{"code": "review_1", "label": "Month 1 review", "months": 1}],
    "unknown kind": [FINAL, {"code": "home_visit", "label": "Home visit", "days": 3}],
    "days and months": [{**FINAL, "days": 120}],
    "neither days nor months": [{"code": "final_review", "label": "Final review"}],
    "a fraction of a day": [{**FINAL, "months": 3.5}],
    "no label": [{"code": "final_review", "months": 4}],
    "not a list": {"final_review": 4},
}


def test_the_seeded_schedules_use_every_kind_once(pilot_rules, rollout_rules):
    for version in (pilot_rules, rollout_rules):
        codes = [step["code"] for step in version.milestone_schedule]
        assert codes == list(MilestoneKind.values)
        version.full_clean()


@pytest.mark.parametrize("schedule", BAD_SCHEDULES.values(), ids=BAD_SCHEDULES.keys())
def test_a_bad_schedule_is_refused_by_the_model_and_the_database(pilot_rules, schedule):
    pilot_rules.milestone_schedule = schedule
    with pytest.raises(ValidationError) as caught:
        pilot_rules.full_clean()
    assert "milestone_schedule" in caught.value.message_dict
    refused = pytest.raises(IntegrityError, match="policy_milestone_schedule_valid")
    with refused, transaction.atomic():
        PolicyVersion.objects.filter(pk=pilot_rules.pk).update(milestone_schedule=schedule)


def test_a_kind_given_twice_is_refused_by_the_model(pilot_rules):
    pilot_rules.milestone_schedule = [FINAL, FINAL]
    with pytest.raises(ValidationError, match="Final review is in the schedule twice"):
        pilot_rules.full_clean()


def test_the_final_review_alone_is_a_valid_schedule(pilot_rules):
    pilot_rules.milestone_schedule = [FINAL]
    pilot_rules.full_clean()
    PolicyVersion.objects.filter(pk=pilot_rules.pk).update(milestone_schedule=[FINAL])
