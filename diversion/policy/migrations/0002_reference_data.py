"""Offence types, custody suites and the two policy versions of the scheme.

The pilot admitted possession of class B and C drugs only; the later roll-out added
possession of any controlled drug and low-level supply linked to the person's own use
("sad, not bad"), which always needs a manager's authorisation (domain.md, Eligibility).
"""

import datetime

from django.db import migrations

OFFENCE_TYPES = [
    ("possession-class-a", "Possession of a controlled drug – Class A", "drug_possession"),
    ("possession-class-b", "Possession of a controlled drug – Class B", "drug_possession"),
    ("possession-class-c", "Possession of a controlled drug – Class C", "drug_possession"),
    (
        "supply-own-use",
        "Possession with intent to supply (low level, linked to own use)",
        "drug_supply",
    ),
    (
        "concerned-in-supply-own-use",
        "Being concerned in supply (low level, linked to own use)",
        "drug_supply",
    ),
    ("theft", "Theft, including shoplifting", "acquisitive"),
    ("burglary", "Burglary (non-dwelling)", "acquisitive"),
    ("fraud", "Fraud", "acquisitive"),
    ("criminal-damage", "Criminal damage", "criminal_damage"),
    ("public-order", "Public order offence", "public_order"),
    ("common-assault", "Common assault", "violence"),
    ("abh", "Assault occasioning actual bodily harm", "violence"),
    ("assault-emergency-worker", "Assault on an emergency worker", "violence"),
    ("offensive-weapon", "Possession of an offensive weapon", "weapons"),
    ("harassment", "Harassment", "harassment"),
    ("hate-crime", "Racially or religiously aggravated offence", "hate"),
    ("sexual-offence", "Sexual offence", "sexual"),
    ("robbery", "Robbery", "serious_violence"),
    ("gbh", "Grievous bodily harm or wounding", "serious_violence"),
    ("murder", "Murder or manslaughter", "serious_violence"),
    ("drink-driving", "Driving with excess alcohol or drugs", "driving"),
    ("dangerous-driving", "Dangerous driving", "driving"),
]

CUSTODY_SUITES = [
    ("NG", "Northgate custody suite"),
    ("RS", "Riverside custody suite"),
    ("EF", "Eastfield custody suite"),
]

SCHEDULE = [
    {"code": "needs_assessment", "label": "Needs assessment", "days": 7},
    {"code": "first_intervention", "label": "First intervention", "days": 14},
    {"code": "review_1", "label": "Month 1 review", "months": 1},
    {"code": "review_2", "label": "Month 2 review", "months": 2},
    {"code": "review_3", "label": "Month 3 review", "months": 3},
    {"code": "final_review", "label": "Final review", "months": 4},
]
ALL_CIRCUMSTANCES = [
    "outside_area",
    "detained_for_court",
    "mental_health_act",
    "court_order",
    "on_bail",
    "co_accused",
    "denied_offence",
]
ALWAYS_ELIGIBLE = [
    "theft",
    "burglary",
    "fraud",
    "criminal-damage",
    "public-order",
    "common-assault",
    "abh",
    "assault-emergency-worker",
    "offensive-weapon",
    "harassment",
    "possession-class-b",
    "possession-class-c",
]
ALWAYS_EXCLUDED = [
    "hate-crime",
    "sexual-offence",
    "robbery",
    "gbh",
    "murder",
    "drink-driving",
    "dangerous-driving",
]
SUPPLY = ["supply-own-use", "concerned-in-supply-own-use"]
POLICY_VERSIONS = [
    {
        "name": "Pilot rules",
        "effective_from": datetime.date(2016, 4, 1),
        "summary": "The pilot: lower-level offences and possession of class B or C drugs.",
        "eligible": ALWAYS_ELIGIBLE,
        "authorisation": [],
        "excluded": ALWAYS_EXCLUDED + ["possession-class-a"] + SUPPLY,
    },
    {
        "name": "Roll-out rules",
        "effective_from": datetime.date(2023, 4, 1),
        "summary": (
            "The roll-out: possession of any controlled drug, and low-level supply linked "
            "to the person's own use with a manager's authorisation."
        ),
        "eligible": ALWAYS_ELIGIBLE + ["possession-class-a"] + SUPPLY,
        "authorisation": SUPPLY,
        "excluded": ALWAYS_EXCLUDED,
    },
]


def forwards(apps, schema_editor):
    OffenceType = apps.get_model("policy", "OffenceType")
    CustodySuite = apps.get_model("policy", "CustodySuite")
    PolicyVersion = apps.get_model("policy", "PolicyVersion")
    types = {
        code: OffenceType.objects.create(code=code, name=name, group=group)
        for code, name, group in OFFENCE_TYPES
    }
    for code, name in CUSTODY_SUITES:
        CustodySuite.objects.create(code=code, name=name)
    for spec in POLICY_VERSIONS:
        version = PolicyVersion.objects.create(
            name=spec["name"],
            effective_from=spec["effective_from"],
            summary=spec["summary"],
            excluded_circumstances=ALL_CIRCUMSTANCES,
            minimum_age=18,
            maximum_days_since_offence=90,
            maximum_gravity_score=3,
            milestone_schedule=SCHEDULE,
        )
        version.eligible_offence_types.set([types[c] for c in spec["eligible"]])
        version.authorisation_offence_types.set([types[c] for c in spec["authorisation"]])
        version.excluded_offence_types.set([types[c] for c in spec["excluded"]])


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
