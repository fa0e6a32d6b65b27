"""`manage.py seed_demo`: demo logins for every role and a realistic, fictional case history.

Demo referrals are identifiable: the demo custody officer made them, and their custody
record serials lie in a range reserved for demo data (90000000 upwards), the serial's last
digits being the referral's demo index. A run counts the demo referrals already present and
adds only the missing ones, so running it twice adds nothing and a larger `--referrals` tops
up. Each referral is drawn from its own random stream (seed and index), so a seed gives the
same data whether it was made in one run or topped up over several.

Fictional by construction: invented surnames, telephone numbers from Ofcom's range for drama
(07700 900xxx) and e-mail addresses at example.com (RFC 2606).

Rows are written with PostgreSQL COPY, one transaction per batch, ids reserved from the
tables' sequences. The database's CHECK constraints still apply to every row, so the rules
below follow the services (create_referral, authorise, record_person_decision,
sign_contract, complete, end) step by step.
"""

import argparse
import bisect
import collections
import contextlib
import csv
import datetime
import functools
import io
import itertools
import json
import queue
import random
import re
import sys
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from tqdm import tqdm

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.cases.models import (
    VOLUNTARY_HOURS,
    Appointment,
    AppointmentKind,
    AssessmentStage,
    Attendance,
    Condition,
    ConditionKind,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    OfficerDecision,
    OutcomeReason,
    Pathway,
    PathwayAssessment,
    PersonDecision,
    Programme,
    ProgrammeStatus,
    Referral,
    ReferralStatus,
    RescheduleRequester,
    RiskBand,
    Victim,
)
from diversion.cases.services.programme import milestone_dates
from diversion.lib.dates import contract_end
from diversion.people.models import (
    LaterOffence,
    ObservedEthnicity,
    OffenceSource,
    Person,
    SelfDefinedEthnicity,
    Sex,
)
from diversion.people.names import normalise_name, sound_key
from diversion.people.pnc import check_letter
from diversion.policy.eligibility import Facts, Rules, assess
from diversion.policy.models import Circumstance, CustodySuite, OffenceType, PolicyVersion

# Meets AUTH_PASSWORD_VALIDATORS; printed at the end of every run.
DEMO_PASSWORD = "checkpoint-demo-2026"  # noqa: S105 - public on purpose: demo data only
DEMO_USERS = [
    ("custody", Role.CUSTODY_OFFICER, "Sam", "Thornwick"),
    ("caseworker", Role.CASEWORKER, "Priya", "Elmhurst"),
    ("caseworker2", Role.CASEWORKER, "Tom", "Fernsby"),
    ("manager", Role.MANAGER, "Ruth", "Aldcott"),
    ("auditor", Role.AUDITOR, "Kwame", "Penridge"),
]

SERIAL_BASE = 90_000_000
MAX_DEMO_REFERRALS = 10_000_000
DEMO_RECORD_REGEX = r"^[A-Z]{2}-9[0-9]{7}-[0-9]{2}$"
# Serialises concurrent runs, which would otherwise both top up the same indices.
ADVISORY_LOCK_KEY = 0x5EED_DE30
# A referral may be a repeat arrest of the person in one of this many earlier referrals.
REPEAT_WINDOW = 500
# Referrals in the last RECENT_DAYS days, where cases are still open. The share keeps the
# daily volume about level with the roll-out years before it.
RECENT_DAYS = 120
RECENT_SHARE = 0.05
# PNC serials: index * PNC_MULTIPLIER mod PNC_MODULUS is a bijection, so serials never repeat.
PNC_MULTIPLIER, PNC_MODULUS = 7_368_787, 9_999_999
NULL = "\\N"
ID_CHUNK = 5000
# Large reads while copying, so the writer seldom waits for the generating thread's GIL.
COPY_CHUNK = 8 << 20


def weighted(pairs):
    """A table for pick(): values and their cumulative weights."""
    values = [value for value, _ in pairs]
    return values, list(itertools.accumulate(weight for _, weight in pairs))


def pick(rng, table):
    values, cumulative = table
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def chance(rng, p):
    return rng.random() < p


# --- Fictional people ---------------------------------------------------------------------

# fmt: off
MALE_NAMES = [
    "Aaron", "Adam", "Ahmed", "Aidan", "Ali", "Amir", "Andre", "Arjun", "Ben", "Bilal", "Callum",
    "Carl", "Chidi", "Connor", "Craig", "Daniel", "Darren", "Dean", "Declan", "Dominik", "Ethan",
    "Farhan", "Finn", "Gary", "Harvey", "Imran", "Isaac", "Jack", "Jake", "Jamal", "Jason",
    "Jerome", "Joel", "Jordan", "Josh", "Kai", "Kamil", "Karl", "Kieran", "Kofi", "Lee", "Leon",
    "Liam", "Lewis", "Luke", "Marcus", "Mason", "Mohammed", "Nathan", "Nikhil", "Oliver", "Omar",
    "Oscar", "Patryk", "Paul", "Reece", "Rhys", "Ricky", "Ryan", "Sami", "Scott", "Sean", "Shane",
    "Tariq", "Theo", "Tom", "Tyler", "Wayne", "Zain"
]
FEMALE_NAMES = [
    "Abigail", "Aisha", "Amber", "Amina", "Amy", "Aneta", "Bethany", "Chantelle", "Charlotte",
    "Chloe", "Courtney", "Danielle", "Demi", "Ella", "Emma", "Erin", "Fatima", "Gemma", "Grace",
    "Hannah", "Holly", "Imani", "Jade", "Jasmine", "Jess", "Kayleigh", "Kelly", "Kirsty", "Laura",
    "Leah", "Lauren", "Mia", "Megan", "Nadia", "Naomi", "Natalie", "Niamh", "Olivia", "Priya",
    "Rachel", "Rebecca", "Rosie", "Sadia", "Samira", "Shannon", "Sophie", "Stacey", "Tanisha",
    "Tasha", "Yasmin", "Zara", "Zofia"
]
UNISEX_NAMES = [
    "Alex", "Charlie", "Jamie", "Jordan", "Morgan", "Riley", "Robin", "Sam", "Sasha", "Taylor"
]
SURNAME_STARTS = [
    "Ald", "Ash", "Brack", "Bram", "Carr", "Cold", "Dun", "Elm", "Fern", "Gar", "Hal", "Hol",
    "Kes", "Lang", "Mar", "Nor", "Oak", "Pen", "Quar", "Rad", "Stan", "Thorn", "Wen", "Wick",
    "Yar"
]
SURNAME_ENDS = [
    "bury", "by", "cott", "den", "field", "ford", "gate", "ham", "hurst", "ley", "lock", "mere",
    "more", "ridge", "stead", "ton", "well", "wick", "wood", "worth"
]
OTHER_SURNAMES = [
    "Adeyemi", "Ahmed", "Akhtar", "Ali", "Asante", "Begum", "Chowdhury", "Costa", "Da Silva",
    "Hussain", "Iqbal", "Khan", "Kowalczyk", "Mahmood", "Mensah", "Nowak", "O'Brien", "Okafor",
    "Okonkwo", "Patel", "Popescu", "Rahman", "Santos", "Shah", "Singh", "Wiśniewski", "Wong",
    "Zhang", "McAllister", "Ní Bhriain"
]
# fmt: on
SURNAMES = [a + b for a in SURNAME_STARTS for b in SURNAME_ENDS] + OTHER_SURNAMES * 4

SEXES = weighted([(Sex.MALE, 79), (Sex.FEMALE, 20), (Sex.NOT_KNOWN, 1)])
AGE_BANDS = weighted(
    [((18, 24), 30), ((25, 34), 35), ((35, 44), 20), ((45, 54), 10), ((55, 70), 5)]
)
SD, OB = SelfDefinedEthnicity, ObservedEthnicity
SELF_DEFINED = weighted(
    [
        (SD.W1, 68),
        (SD.W2, 1),
        (SD.W9, 6),
        (SD.A1, 2),
        (SD.A2, 3),
        (SD.A3, 1),
        (SD.A9, 1),
        (SD.B1, 2.5),
    ]
    + [
        (SD.B2, 2.5),
        (SD.B9, 1),
        (SD.M1, 1.5),
        (SD.M2, 0.5),
        (SD.M3, 0.5),
        (SD.M9, 0.8),
        (SD.O1, 0.4),
    ]
    + [(SD.O9, 1.8), (SD.NS, 7)]
)
# What an officer is likely to record for someone who self-defines so.
OBSERVED_GIVEN_SELF = {
    "W": weighted([(OB.IC1, 90), (OB.IC2, 8), (OB.IC0, 2)]),
    SD.W9: weighted([(OB.IC1, 60), (OB.IC2, 37), (OB.IC0, 3)]),
    "A": weighted([(OB.IC4, 90), (OB.IC6, 5), (OB.IC0, 5)]),
    "B": weighted([(OB.IC3, 95), (OB.IC0, 5)]),
    SD.M1: weighted([(OB.IC3, 55), (OB.IC1, 35), (OB.IC0, 10)]),
    SD.M2: weighted([(OB.IC3, 60), (OB.IC1, 30), (OB.IC0, 10)]),
    SD.M3: weighted([(OB.IC4, 45), (OB.IC1, 45), (OB.IC0, 10)]),
    "M": weighted([(OB.IC1, 40), (OB.IC2, 20), (OB.IC3, 20), (OB.IC4, 10), (OB.IC0, 10)]),
    SD.O1: weighted([(OB.IC5, 95), (OB.IC0, 5)]),
    "O": weighted([(OB.IC6, 55), (OB.IC4, 20), (OB.IC2, 15), (OB.IC0, 10)]),
    SD.NS: weighted(
        [(OB.IC1, 70), (OB.IC2, 6), (OB.IC3, 8), (OB.IC4, 8), (OB.IC6, 3), (OB.IC0, 5)]
    ),
}
AREA_DISTRICTS = [f"CB{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 21, 22, 23, 24, 25)] + [
    f"PE{n}" for n in (1, 2, 3, 4, 6, 7, 13, 15, 16, 19, 26, 27, 28, 29)
]
OUTSIDE_DISTRICTS = ["NR1", "NR3", "IP1", "IP4", "LU1", "MK9", "CO1", "SG1"]


@functools.cache
def name_key(name):
    """Person.refresh_name_keys() for one name, once per distinct name."""
    return normalise_name(name), sound_key(name)


# --- Offences and decisions ---------------------------------------------------------------

OFFENCE_WEIGHTS = {
    "possession-class-b": 26,
    "possession-class-c": 4,
    "possession-class-a": 10,
    "supply-own-use": 4,
    "concerned-in-supply-own-use": 2,
    "theft": 16,
    "burglary": 3,
    "fraud": 2,
    "criminal-damage": 7,
    "public-order": 8,
    "common-assault": 7,
    "abh": 2,
    "assault-emergency-worker": 2,
    "offensive-weapon": 2,
    "harassment": 2,
    "hate-crime": 0.7,
    "sexual-offence": 0.3,
    "robbery": 0.5,
    "gbh": 0.3,
    "murder": 0,
    "drink-driving": 1,
    "dangerous-driving": 0.3,
}
# Offence types added to the reference data later still appear, rarely.
UNLISTED_OFFENCE_WEIGHT = 0.3
BASE_GRAVITY = {
    "drug_possession": 1,
    "drug_supply": 3,
    "acquisitive": 2,
    "criminal_damage": 2,
    "public_order": 2,
    "violence": 3,
    "weapons": 3,
    "harassment": 2,
    "hate": 3,
    "sexual": 4,
    "serious_violence": 5,
    "driving": 3,
}
# Days from offence to arrest: mostly the same day, now and then past the 90-day limit.
ARREST_LAGS = weighted([((0, 0), 70), ((1, 1), 12), ((2, 14), 12), ((15, 89), 5), ((91, 200), 1)])
GRAVITY_JITTER = weighted([(-1, 15), (0, 60), (1, 20), (2, 5)])
VICTIM_GROUPS = {
    "acquisitive",
    "criminal_damage",
    "violence",
    "harassment",
    "hate",
    "sexual",
    "serious_violence",
}
NEVER_AN_EXCEPTION = {"hate", "sexual", "serious_violence", "driving"}
DRUG_GROUPS = {"drug_possession", "drug_supply"}
RISK_BANDS = weighted([(RiskBand.LOW, 55), (RiskBand.MODERATE, 35), (RiskBand.HIGH, 10)])
VICTIM_WITH = weighted([(Victim.CONSULTED, 55), (Victim.RESTORATIVE, 35), (Victim.NONE, 10)])
VICTIM_PUBLIC_ORDER = weighted([(Victim.NONE, 70), (Victim.CONSULTED, 30)])
VICTIM_VIEWS = {
    Victim.CONSULTED: [
        "Content for the matter to be dealt with out of court.",
        "Wants the person to get help with their drug use.",
        "No strong view; wants it not to happen again.",
        "Happy with diversion provided the damage is paid for.",
    ],
    Victim.RESTORATIVE: [
        "Would like a letter of apology.",
        "Willing to take part in a restorative meeting.",
        "Wants an apology and the damage put right.",
    ],
}
CIRCUMSTANCES = weighted(
    [
        (Circumstance.ON_BAIL, 30),
        (Circumstance.DENIED_OFFENCE, 25),
        (Circumstance.COURT_ORDER, 20),
        (Circumstance.OUTSIDE_AREA, 10),
        (Circumstance.CO_ACCUSED, 8),
        (Circumstance.DETAINED_FOR_COURT, 4),
        (Circumstance.MENTAL_HEALTH_ACT, 3),
    ]
)
SUITE_WEIGHTS = [45, 35, 20]
# Arrests by hour of day: quiet mornings, busy evenings.
ARREST_HOURS = weighted(list(zip(range(24), [3] * 6 + [2] * 4 + [4] * 8 + [6] * 6, strict=True)))
OFFER_RATIONALES = [
    "Eligible; admitted the offence in interview and agreed to engage.",
    "Eligible; no-comment interview but enough evidence to charge.",
    "Eligible; first arrest, full admission, wants help with drug use.",
    "Eligible; low risk on the forecasting tool, admitted the offence.",
]
DECLINE_ELIGIBLE_RATIONALES = [
    "Eligible, but high risk of reoffending on the forecasting tool: charged instead.",
    "Eligible, but breached a previous out-of-court disposal: charged instead.",
    "Eligible, but intelligence of wider offending: referred back to the officer in the case.",
]
EXCEPTION_RATIONALES = [
    "Offered as an exception: vulnerable, engaging with treatment already.",
    "Offered as an exception: the offence is at the lowest end of its gravity.",
    "Offered as an exception: the delay in arrest was the police's, not the person's.",
]
AUTHORISATION_REASONS = [
    "Authorised: supply to friends to fund own use, no sign of commercial dealing.",
    "Authorised: small quantity, clear dependency, willing to engage.",
    "Authorised: exceptional circumstances accepted.",
]
REFUSAL_REASONS = [
    "Refused: quantity and packaging suggest commercial supply.",
    "Refused: linked to an organised supply line under investigation.",
    "Refused: previous supply offence within two years.",
]
CONSIDERING_REASONS = [
    "Wants to speak to a solicitor first.",
    "Asked for time to talk it over with family.",
    "Wants to check the appointments fit around work.",
]
DECLINED_REASONS = [
    "Chose to go to court.",
    "Did not want to engage with treatment.",
    "Disputes the offence and wants it tried.",
    "",
]

# --- Programmes ---------------------------------------------------------------------------

P = ProgrammeStatus
FATES = weighted([(P.COMPLETED, 76), (P.BREACHED, 15), (P.WITHDRAWN, 6), ("withdrawn_unsigned", 3)])
BREACH_REASONS = weighted(
    [
        (OutcomeReason.REOFFENDED, 50),
        (OutcomeReason.FAILED_CONDITION, 25),
        (OutcomeReason.NON_ATTENDANCE, 25),
    ]
)
WITHDRAWAL_REASONS = weighted(
    [
        (OutcomeReason.MOVED_AWAY, 45),
        (OutcomeReason.DIED, 4),
        (OutcomeReason.EVIDENTIAL, 31),
        (OutcomeReason.OTHER, 20),
    ]
)
UNSIGNED_WITHDRAWAL_REASONS = weighted(
    [(OutcomeReason.EVIDENTIAL, 50), (OutcomeReason.MOVED_AWAY, 30), (OutcomeReason.OTHER, 20)]
)
OUTCOME_DETAILS = {
    OutcomeReason.REOFFENDED: [
        "Arrested for shoplifting during the contract; returned to the officer in the case.",
        "Charged with a further possession offence; returned for prosecution.",
        "Arrested for criminal damage; case returned for prosecution.",
    ],
    OutcomeReason.FAILED_CONDITION: [
        "Did not complete the voluntary work hours by the end date.",
        "Did not write the apology letter despite two reminders.",
        "Stopped attending the treatment service after the first session.",
    ],
    OutcomeReason.NON_ATTENDANCE: [
        "Missed three appointments in a row without good reason.",
        "No contact for six weeks despite letters and calls.",
    ],
    OutcomeReason.MOVED_AWAY: [
        "Moved out of the force area; no local provider could take the case.",
        "Moved away for work; the other force declined to take over.",
    ],
    OutcomeReason.DIED: ["Died during the contract; case closed."],
    OutcomeReason.EVIDENTIAL: [
        "Forensic result did not support the charge; no further action.",
        "Key evidence found inadmissible on review; no further action.",
    ],
    OutcomeReason.OTHER: [
        "Withdrawn on review by the manager: admitted to hospital long-term.",
        "Withdrawn on review by the manager: now serving a sentence for an earlier matter.",
    ],
}
# The new offence behind each account of a breach by reoffending.
BREACH_OFFENCES = {
    OUTCOME_DETAILS[OutcomeReason.REOFFENDED][0]: "theft",
    OUTCOME_DETAILS[OutcomeReason.REOFFENDED][1]: "possession-class-b",
    OUTCOME_DETAILS[OutcomeReason.REOFFENDED][2]: "criminal-damage",
}
BREACH_OFFENCE_SOURCES = weighted([(OffenceSource.CUSTODY, 70), (OffenceSource.PNC, 30)])
# Domain: about a third of people diverted reoffend within 24 months (35% in one cohort),
# most of them soon after the contract. Days after completion, by band.
REOFFENDING_SHARE = 0.35
REOFFENDING_DELAYS = weighted([((1, 182), 45), ((183, 365), 25), ((366, 730), 30)])
LATER_OFFENCE_SOURCES = weighted(
    [(OffenceSource.PNC, 75), (OffenceSource.COURT, 15), (OffenceSource.CASEWORKER, 10)]
)
# Caseworkers take most cases from the queue themselves; a manager assigns the rest.
TAKEN_SHARE = 0.6
# Why a demo milestone was missed (a missed milestone keeps its reason).
MISSED_REASON = "Did not attend and could not be contacted"
RESTORATIVE = [
    "Write a letter of apology to the victim",
    "Take part in a restorative meeting with the victim",
    "Put right or pay for the damage caused",
]
INTERVENTIONS_DRUGS = [
    "Attend two sessions with the drug treatment service",
    "Complete a drug awareness course",
    "Attend a harm-reduction appointment with the treatment provider",
]
INTERVENTIONS_OTHER = [
    "Attend an alcohol brief intervention",
    "Attend a mental health assessment with the wellbeing service",
    "Complete the thinking skills workshop",
    "Attend a debt and benefits advice appointment",
    "Attend an employment and training advice session",
    "Complete a victim awareness course",
]
WOMENS_CENTRE = "Attend two sessions at the women's centre"
EVIDENCE = {
    ConditionKind.NO_REOFFENDING: "No further offences on police systems.",
    ConditionKind.RESTORATIVE: "Confirmed by the restorative justice coordinator.",
    ConditionKind.INTERVENTION: "Attendance confirmed by the provider.",
    ConditionKind.VOLUNTARY_WORK: "Hours signed off by the project supervisor.",
    ConditionKind.TAG: "Monitoring company reports no curfew breaches.",
}
FAILURE_REASONS = {
    ConditionKind.NO_REOFFENDING: "Arrested for a further offence during the contract.",
    ConditionKind.RESTORATIVE: "Did not take part in the restorative approach.",
    ConditionKind.INTERVENTION: "Did not attend the sessions.",
    ConditionKind.VOLUNTARY_WORK: "Completed too few of the hours.",
    ConditionKind.TAG: "Repeated curfew breaches.",
}
WAIVER_REASON = "Waived by the manager: the provider withdrew the course."
ATTENDANCE = weighted(
    [(Attendance.ATTENDED, 80), (Attendance.LATE, 12), (Attendance.DID_NOT_ATTEND, 8)]
)
ATTENDANCE_POOR = weighted(
    [(Attendance.ATTENDED, 40), (Attendance.LATE, 15), (Attendance.DID_NOT_ATTEND, 45)]
)
ATTENDANCE_NOTES = {
    Attendance.LATE: "Arrived 20 minutes late; seen anyway.",
    Attendance.DID_NOT_ATTEND: "No contact; follow-up letter sent.",
}
RESCHEDULE_REASONS = {
    RescheduleRequester.PERSON: ["Starting a new job that week.", "Childcare fell through."],
    RescheduleRequester.CASEWORKER: ["Caseworker off sick.", "Clashed with a court duty."],
    RescheduleRequester.PROVIDER: ["Provider's session cancelled.", "Room not available."],
}
REQUESTERS = list(RescheduleRequester)
# Need on each pathway: units of need (0-4) are drawn with this probability each.
PATHWAY_NEED = {
    Pathway.ACCOMMODATION: 0.25,
    Pathway.EDUCATION: 0.35,
    Pathway.PHYSICAL_HEALTH: 0.2,
    Pathway.MENTAL_HEALTH: 0.35,
    Pathway.DRUGS: 0.3,
    Pathway.ALCOHOL: 0.25,
    Pathway.FINANCE: 0.35,
    Pathway.FAMILY: 0.25,
    Pathway.ATTITUDES: 0.3,
}
# Domain: one force reports average need falling 30-43% between entry and exit.
NEED_KEPT_AT_EXIT = 0.63


# --- Reference data, loaded once per run ----------------------------------------------------


@dataclass
class Policy:
    id: int
    name: str
    effective_from: datetime.date
    index: int
    rules: Rules
    schedule: list


@dataclass
class Offence:
    id: int
    code: str
    name: str
    group: str


def load_policies():
    policies = []
    for index, version in enumerate(PolicyVersion.objects.order_by("effective_from")):
        policies.append(
            Policy(
                id=version.pk,
                name=version.name,
                effective_from=version.effective_from,
                index=index,
                rules=Rules.of(version),
                schedule=version.milestone_schedule,
            )
        )
    if not policies:
        raise CommandError("No policy versions: run the migrations first.")
    return policies


def suite_prefix(code):
    letters = re.sub("[^A-Z]", "", code.upper())
    return (letters + "XX")[:2]


# --- Writing -------------------------------------------------------------------------------


class CopyTable:
    """One table's COPY statement, and how many rows it has written."""

    def __init__(self, model, fields):
        columns = ", ".join(
            connection.ops.quote_name(model._meta.get_field(f).column) for f in fields
        )
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
        self.total = 0


class Batch:
    """The rows of a batch of referrals, as CSV per table, ready for COPY."""

    def __init__(self, names, size):
        self.size = size
        self.buffers = {name: io.StringIO() for name in names}
        self.out = {name: csv.writer(b, lineterminator="\n") for name, b in self.buffers.items()}
        self.people = []  # checked for PNC ID clashes just before writing
        self.counts = {"people": 0, "referrals": 0, "programmes": 0}

    def write(self, tables, cursor):
        """COPY every table. A demo PNC ID that happens to be in use already is left blank."""
        pncs = [row[7] for row in self.people if row[7] != NULL]
        if pncs:
            cursor.execute("SELECT pnc_id FROM people_person WHERE pnc_id = ANY(%s)", [pncs])
            taken = {pnc for (pnc,) in cursor.fetchall()}
            for row in self.people:
                if row[7] in taken:
                    row[7] = NULL
        self.out["person"].writerows(self.people)
        for name, table in tables.items():
            buffer = self.buffers[name]
            buffer.seek(0)
            cursor.copy_expert(table.sql, buffer, size=COPY_CHUNK)
            table.total += max(cursor.rowcount, 0)


class IdPool:
    """Primary keys reserved from a table's sequence, so rows can refer to each other.

    Used from the generating thread, so on that thread's own connection: nextval() is not
    transactional, so it needs no part in the writer's transaction.
    """

    def __init__(self, model):
        self.table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [self.table, "id"])
            self.sequence = cursor.fetchone()[0]
        self.ids = []

    def __next__(self):
        if not self.ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, ID_CHUNK]
                )
                self.ids = [row[0] for row in reversed(cursor.fetchall())]
        return self.ids.pop()


TABLE_NAMES = (
    "person",
    "referral",
    "later_offence",
    "programme",
    "condition",
    "milestone",
    "appointment",
    "assessment",
)


def make_tables():
    """The COPY statement for each table, in TABLE_NAMES order (parents first)."""
    tables = {
        "person": CopyTable(
            Person,
            [
                "id",
                "given_names",
                "family_name",
                "date_of_birth",
                "sex",
                "observed_ethnicity",
                "self_defined_ethnicity",
                "pnc_id",
                "postcode_district",
                "phone",
                "email",
                "given_names_key",
                "family_name_key",
                "given_names_sound",
                "family_name_sound",
                "created_at",
                "updated_at",
            ],
        ),
        "referral": CopyTable(
            Referral,
            [
                "id",
                "person",
                "arrested_at",
                "offence_date",
                "custody_suite",
                "custody_record_number",
                "crime_reference",
                "offence_type",
                "gravity_score",
                "risk_band",
                "victim",
                "victim_views",
                "circumstances",
                "policy_version",
                "eligible",
                "eligibility_reasons",
                "officer_decision",
                "decision_rationale",
                "needs_authorisation",
                "authorised_by",
                "authorised_at",
                "authorisation_reason",
                "offered_at",
                "person_decision",
                "decide_by",
                "decided_at",
                "status",
                "created_by",
                "created_at",
            ],
        ),
        "later_offence": CopyTable(
            LaterOffence,
            [
                "id",
                "person",
                "offence_date",
                "offence_type",
                "source",
                "recorded_by",
                "recorded_at",
                "notes",
            ],
        ),
        "programme": CopyTable(
            Programme,
            [
                "id",
                "referral",
                "caseworker",
                "status",
                "signed_on",
                "ends_on",
                "outcome_on",
                "outcome_reason",
                "outcome_detail",
                "breach_offence",
                "created_at",
                "updated_at",
            ],
        ),
        "condition": CopyTable(
            Condition,
            [
                "programme",
                "number",
                "kind",
                "description",
                "voluntary_hours",
                "status",
                "status_reason",
                "evidence",
            ],
        ),
        "milestone": CopyTable(
            Milestone,
            ["programme", "code", "label", "due_on", "status", "completed_on", "missed_reason"],
        ),
        "appointment": CopyTable(
            Appointment,
            [
                "id",
                "programme",
                "kind",
                "starts_at",
                "took_place",
                "attendance",
                "rescheduled_to",
                "reschedule_requested_by",
                "reschedule_reason",
                "notes",
            ],
        ),
        "assessment": CopyTable(
            PathwayAssessment,
            ["programme", "stage", "pathway", "score", "notes", "assessed_on"],
        ),
    }
    assert tuple(tables) == TABLE_NAMES
    return tables


# --- Scripted cases: the first demo referrals cover every status, whatever N is ---------------

A, D = "accepted", "declined"
# The person's answer to an offer made some time ago.
PERSON_ANSWERS = weighted([(A, 74), (D, 16), ("consider_then", 10)])
SCRIPT = [
    {"days_ago": 0.15, "offence": "possession-class-b", "person": A, "programme": "unassigned"},
    {"days_ago": 4, "offence": "possession-class-a", "person": A, "programme": "assigned"},
    {"days_ago": 45, "offence": "theft", "person": A, "programme": P.ACTIVE},
    {"era": 0, "offence": "possession-class-c", "person": A, "programme": P.COMPLETED},
    {"era": 0, "offence": "criminal-damage", "person": A, "programme": P.BREACHED},
    {"era": -1, "offence": "public-order", "person": A, "programme": P.WITHDRAWN},
    {"era": -1, "offence": "possession-class-b", "person": A, "programme": "withdrawn_unsigned"},
    {"era": 0, "offence": "robbery", "officer": OfficerDecision.DECLINE},
    {"days_ago": 0.3, "offence": "supply-own-use", "authorisation": "pending"},
    {"era": -1, "offence": "concerned-in-supply-own-use", "authorisation": "refused"},
    {"days_ago": 0.1, "offence": "possession-class-b", "person": "offered"},
    {"days_ago": 2, "offence": "theft", "person": "considering"},
    {"era": -1, "offence": "common-assault", "person": D},
    {"era": -1, "offence": "supply-own-use", "authorisation": "authorised", "person": A},
    {
        "era": 0,
        "offence": "possession-class-a",
        "officer": OfficerDecision.EXCEPTION,
        "authorisation": "authorised",
        "person": A,
        "programme": P.COMPLETED,
    },
]


class DemoGenerator:
    """Makes the rows of one demo referral at a time, each from its own random stream."""

    def __init__(self, *, seed, users):
        self.seed = seed
        self.custody = users["custody"].pk
        self.manager = users["manager"].pk
        self.caseworkers = [users["caseworker"].pk, users["caseworker2"].pk]
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.latest = self.now - datetime.timedelta(minutes=1)
        self.today = timezone.localdate(self.now)
        # A version that comes into force later covers no demo offence yet.
        self.policies = [p for p in load_policies() if p.effective_from <= self.today]
        if not self.policies:
            raise CommandError("No policy version is in force yet.")
        self.offences = [
            Offence(o.pk, o.code, o.name, o.group) for o in OffenceType.objects.order_by("code")
        ]
        self.offences_by_code = {o.code: o for o in self.offences}
        self.offence_table = weighted(
            [(o, OFFENCE_WEIGHTS.get(o.code, UNLISTED_OFFENCE_WEIGHT)) for o in self.offences]
        )
        suites = list(CustodySuite.objects.order_by("pk"))
        if not suites:
            raise CommandError("No custody suites: run the migrations first.")
        self.suites = weighted(
            [
                ((s.pk, suite_prefix(s.code)), w)
                for s, w in zip(suites, itertools.cycle(SUITE_WEIGHTS))
            ]
        )
        self.window = {}  # referral index -> (person id, date of birth, offence date, sex)
        self.pools = {
            "person": IdPool(Person),
            "referral": IdPool(Referral),
            "programme": IdPool(Programme),
            "appointment": IdPool(Appointment),
            "later_offence": IdPool(LaterOffence),
        }

    def batch(self, start, stop):
        self.current = Batch(TABLE_NAMES, stop - start)
        self.out = self.current.out
        self.counts = self.current.counts
        for index in range(start, stop):
            self.referral(index)
        return self.current

    # Time helpers. Every stored moment is at most `latest`, so never in the future.

    def cap(self, moment):
        return min(moment, self.latest)

    def at(self, day, hour, minute=0):
        """A local time of day, in UTC: arithmetic on zoned datetimes is wall-clock time and
        would go backwards across a change to summer time."""
        moment = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
        return moment.astimezone(datetime.UTC)

    def local_date(self, moment):
        return moment.astimezone(self.tz).date()

    def check_patterns(self):
        prefix = self.suites[0][0][1]
        samples = [
            (f"{prefix}-{SERIAL_BASE}-26", settings.CUSTODY_RECORD_PATTERN, "custody record"),
            ("CR-1234567-26", settings.CRIME_REFERENCE_PATTERN, "crime reference"),
        ]
        for sample, pattern, what in samples:
            if not re.match(pattern, sample):
                raise CommandError(
                    f"Demo {what} numbers look like {sample}, which this force's pattern "
                    f"{pattern} rejects."
                )

    def load_window(self, next_index):
        """For a top-up: the earlier referrals a repeat arrest may come from."""
        rows = (
            demo_referrals(self.custody)
            .annotate(index=demo_index())
            .filter(index__gte=next_index - REPEAT_WINDOW, index__lt=next_index)
            .values_list(
                "index", "person_id", "person__date_of_birth", "offence_date", "person__sex"
            )
        )
        self.window = {index: rest for index, *rest in rows}

    # One referral and everything that follows from it.

    def referral(self, index):
        rng = random.Random(self.seed * 100_000_007 + index)
        script = SCRIPT[index] if index < len(SCRIPT) else {}
        policy_by_era = self.policies[script["era"]] if "era" in script else None

        arrested_at = self.arrest_time(rng, script.get("days_ago"), policy_by_era)
        arrest_date = self.local_date(arrested_at)
        first_day = self.policies[0].effective_from
        low, high = (0, 0) if script else pick(rng, ARREST_LAGS)
        lag = rng.randint(low, high)
        offence_date = max(arrest_date - datetime.timedelta(days=lag), first_day)
        policy = next(p for p in reversed(self.policies) if p.effective_from <= offence_date)

        offence = self.offences_by_code.get(script.get("offence")) or pick(rng, self.offence_table)
        jitter = 0 if script else pick(rng, GRAVITY_JITTER)
        gravity = max(1, min(5, BASE_GRAVITY.get(offence.group, 2) + jitter))
        if script and offence.group not in ("serious_violence", "sexual"):
            gravity = min(gravity, 2)
        risk = RiskBand.LOW if script else pick(rng, RISK_BANDS)
        if offence.group in VICTIM_GROUPS:
            victim = pick(rng, VICTIM_WITH)
        elif offence.group == "public_order":
            victim = pick(rng, VICTIM_PUBLIC_ORDER)
        else:
            victim = Victim.NONE
        victim_views = rng.choice(VICTIM_VIEWS[victim]) if victim != Victim.NONE else ""
        circumstances = [pick(rng, CIRCUMSTANCES)] if not script and chance(rng, 0.1) else []

        person_id, born, sex = self.person_for(
            rng, index, offence_date, arrested_at, Circumstance.OUTSIDE_AREA in circumstances
        )

        assessment = assess(
            policy.rules,
            Facts(
                date_of_birth=born,
                offence_date=offence_date,
                arrested_on=arrest_date,
                offence_type_id=offence.id,
                offence_type_name=offence.name,
                gravity_score=gravity,
                circumstances=circumstances,
            ),
        )
        rules, eligible = assessment.rules, assessment.eligible

        # The custody officer's decision, as create_referral allows it.
        decision = script.get("officer")
        if decision is None:
            if eligible:
                decline = chance(rng, 0.3 if risk == RiskBand.HIGH else 0.04) and not script
                decision = OfficerDecision.DECLINE if decline else OfficerDecision.OFFER
            elif offence.group not in NEVER_AN_EXCEPTION and chance(rng, 0.05):
                decision = OfficerDecision.EXCEPTION
            else:
                decision = OfficerDecision.DECLINE
        if decision == OfficerDecision.OFFER and not eligible:
            decision = OfficerDecision.EXCEPTION
        needs_authorisation = (
            assessment.needs_authorisation or decision == OfficerDecision.EXCEPTION
        )
        rationale = self.rationale(rng, decision, assessment.first_unmet)

        referral_id = next(self.pools["referral"])
        events = []
        created_at = self.cap(arrested_at + datetime.timedelta(minutes=rng.randint(45, 300)))
        authorised_by = authorised_at = offered_at = decide_by = decided_at = None
        authorisation_reason = person_decision = ""
        if decision == OfficerDecision.DECLINE:
            status = ReferralStatus.NOT_OFFERED
        elif needs_authorisation:
            status = ReferralStatus.AWAITING_AUTHORISATION
        else:
            status = ReferralStatus.OFFERED
            offered_at = created_at
        events.append(("", status, self.custody, created_at, rationale))

        if status == ReferralStatus.AWAITING_AUTHORISATION:
            outcome = script.get("authorisation")
            if outcome is None:
                if self.latest - created_at < datetime.timedelta(days=2) and chance(rng, 0.5):
                    outcome = "pending"
                elif chance(rng, 0.55 if decision == OfficerDecision.EXCEPTION else 0.8):
                    outcome = "authorised"
                else:
                    outcome = "refused"
            moment = self.cap(created_at + datetime.timedelta(hours=rng.uniform(1, 30)))
            if outcome == "authorised":
                authorised_by, authorised_at, offered_at = self.manager, moment, moment
                authorisation_reason = rng.choice(AUTHORISATION_REASONS)
                status = ReferralStatus.OFFERED
            elif outcome == "refused":
                authorisation_reason = rng.choice(REFUSAL_REASONS)
                status = ReferralStatus.AUTHORISATION_REFUSED
            if outcome != "pending":
                events.append(
                    (
                        ReferralStatus.AWAITING_AUTHORISATION,
                        status,
                        self.manager,
                        moment,
                        authorisation_reason,
                    )
                )

        if status == ReferralStatus.OFFERED:
            answer = script.get("person")
            if answer is None:
                fresh = self.latest - offered_at < datetime.timedelta(hours=20)
                answer = "offered" if fresh and chance(rng, 0.3) else pick(rng, PERSON_ANSWERS)
            answered_after = offered_at
            if answer in ("considering", "consider_then"):
                moment = self.cap(offered_at + datetime.timedelta(minutes=rng.randint(10, 60)))
                why = rng.choice(CONSIDERING_REASONS)
                events.append((status, ReferralStatus.CONSIDERING, self.custody, moment, why))
                status = ReferralStatus.CONSIDERING
                person_decision = PersonDecision.CONSIDERING
                decide_by = self.local_date(offered_at) + datetime.timedelta(days=7)
                recent = self.latest - offered_at < datetime.timedelta(days=7)
                if answer == "considering" or (recent and chance(rng, 0.6)):
                    answer = "considering"
                else:
                    answer = A if chance(rng, 0.7) else D
                    decide_by = None  # record_person_decision clears it with the answer
                    answered_after = moment
                    decided_at = self.cap(moment + datetime.timedelta(days=rng.uniform(1, 6)))
            if answer in (A, D):
                if decided_at is None:
                    delay = datetime.timedelta(minutes=rng.randint(5, 90))
                    decided_at = self.cap(answered_after + delay)
                accepted = answer == A
                new_status = ReferralStatus.ACCEPTED if accepted else ReferralStatus.DECLINED
                why = "" if accepted else rng.choice(DECLINED_REASONS)
                events.append((status, new_status, self.custody, decided_at, why))
                status = new_status
                person_decision = PersonDecision.ACCEPTED if accepted else PersonDecision.DECLINED

        suite_id, prefix = pick(rng, self.suites)
        self.out["referral"].writerow(
            (
                referral_id,
                person_id,
                arrested_at,
                offence_date,
                suite_id,
                f"{prefix}-{SERIAL_BASE + index}-{arrest_date.year % 100:02d}",
                f"CR-{rng.randint(1_000_000, 9_999_999)}-{offence_date.year % 100:02d}",
                offence.id,
                gravity,
                risk,
                victim,
                victim_views,
                "{" + ",".join(circumstances) + "}",
                policy.id,
                eligible,
                json.dumps(rules),
                decision,
                rationale,
                needs_authorisation,
                nullable(authorised_by),
                nullable(authorised_at),
                authorisation_reason,
                nullable(offered_at),
                person_decision,
                nullable(decide_by),
                nullable(decided_at),
                status,
                self.custody,
                created_at,
            )
        )
        self.counts["referrals"] += 1
        self.window[index] = (person_id, born, offence_date, sex)
        self.window.pop(index - REPEAT_WINDOW, None)

        if status == ReferralStatus.ACCEPTED:
            self.programme(
                rng, script, referral_id, decided_at, policy, offence, victim, sex, person_id
            )

    def arrest_time(self, rng, days_ago, policy):
        if days_ago is not None:
            return self.now - datetime.timedelta(days=days_ago, minutes=rng.randint(0, 30))
        if policy is None and chance(rng, RECENT_SHARE):
            seconds = rng.uniform(2 * 3600, RECENT_DAYS * 86400)
            return self.now - datetime.timedelta(seconds=seconds)
        if policy is None:
            policy = pick(rng, self.periods)
        start, end = self.period(policy)
        day = start + datetime.timedelta(days=rng.randint(0, (end - start).days))
        return self.at(day, pick(rng, ARREST_HOURS), rng.randint(0, 59))

    def period(self, policy):
        """Days a historic referral under `policy` may fall on: not in the recent window."""
        last_historic = self.today - datetime.timedelta(days=RECENT_DAYS + 1)
        later = [p for p in self.policies if p.effective_from > policy.effective_from]
        end = later[0].effective_from - datetime.timedelta(days=1) if later else last_historic
        return policy.effective_from, max(min(end, last_historic), policy.effective_from)

    @functools.cached_property
    def periods(self):
        """Volumes grew with each version of the rules, so later periods weigh more."""
        pairs = []
        for policy in self.policies:
            start, end = self.period(policy)
            pairs.append((policy, (end - start).days * (1 + 1.5 * policy.index)))
        if not any(weight for _, weight in pairs):
            pairs = [(self.policies[-1], 1)]
        return weighted(pairs)

    def person_for(self, rng, index, offence_date, arrested_at, outside_area):
        """A repeat arrest of someone from an earlier referral, or a new person."""
        if chance(rng, 0.18):
            earlier = self.window.get(index - rng.randint(1, REPEAT_WINDOW))
            if earlier and earlier[2] + datetime.timedelta(days=30) <= offence_date:
                person_id, born, _, sex = earlier
                return person_id, born, sex
        return self.new_person(rng, index, offence_date, arrested_at, outside_area)

    def new_person(self, rng, index, offence_date, arrested_at, outside_area):
        person_id = next(self.pools["person"])
        sex = pick(rng, SEXES)
        first_names = {Sex.MALE: MALE_NAMES, Sex.FEMALE: FEMALE_NAMES}.get(sex, UNISEX_NAMES)
        given = rng.choice(first_names)
        if chance(rng, 0.25):
            given = f"{given} {rng.choice(first_names + UNISEX_NAMES)}"
        family = rng.choice(SURNAMES)
        if chance(rng, 0.04):
            family = f"{family}-{rng.choice(SURNAMES)}"
        low, high = pick(rng, AGE_BANDS)
        age_days = int(rng.randint(low, high) * 365.25) + rng.randint(0, 360)
        born = offence_date - datetime.timedelta(days=age_days)
        self_defined = pick(rng, SELF_DEFINED)
        key = self_defined if self_defined in OBSERVED_GIVEN_SELF else self_defined[0]
        observed = pick(rng, OBSERVED_GIVEN_SELF[key])
        if outside_area:
            district = rng.choice(OUTSIDE_DISTRICTS)
        else:
            district = "" if chance(rng, 0.03) else rng.choice(AREA_DISTRICTS)
        pnc = NULL
        if chance(rng, 0.6):
            year = max(born.year + 12, offence_date.year - rng.randint(0, 10))
            serial = 1 + (index * PNC_MULTIPLIER) % PNC_MODULUS
            pnc = f"{year:04d}/{serial:07d}{check_letter(year, serial)}"
        phone = f"07700 900{rng.randint(0, 999):03d}" if chance(rng, 0.55) else ""
        (given_key, given_sound), (family_key, family_sound) = name_key(given), name_key(family)
        email = ""
        if chance(rng, 0.25):
            email = f"{given_key.split()[0]}.{family_key.replace(' ', '')}"
            email = f"{email}{rng.randint(1, 99)}@example.com"
        created = self.cap(arrested_at + datetime.timedelta(minutes=30))
        self.current.people.append(
            [
                person_id,
                given,
                family,
                born,
                sex,
                observed,
                self_defined,
                pnc,
                district,
                phone,
                email,
                given_key,
                family_key,
                given_sound,
                family_sound,
                created,
                created,
            ]
        )
        self.counts["people"] += 1
        return person_id, born, sex

    def rationale(self, rng, decision, failed):
        if decision == OfficerDecision.OFFER:
            return rng.choice(OFFER_RATIONALES)
        if decision == OfficerDecision.EXCEPTION:
            return f"Not eligible ({failed}). {rng.choice(EXCEPTION_RATIONALES)}"
        if failed:
            return f"Not eligible: {failed}."
        return rng.choice(DECLINE_ELIGIBLE_RATIONALES)

    # The programme that follows an accepted offer.

    def programme(
        self, rng, script, referral_id, accepted_at, policy, offence, victim, sex, person_id
    ):
        programme_id = next(self.pools["programme"])
        self.counts["programmes"] += 1
        today = self.today
        accepted_on = self.local_date(accepted_at)
        events = [("", P.AWAITING_CONTRACT, self.custody, accepted_at, "")]
        caseworker = rng.choice(self.caseworkers)
        allocated_at = accepted_at + datetime.timedelta(hours=rng.uniform(2, 72))
        assigned = allocated_at <= self.latest
        signed_on = accepted_on + datetime.timedelta(days=rng.randint(3, 21))
        forced = script.get("programme")
        fate = forced or pick(rng, FATES)
        status = P.AWAITING_CONTRACT
        outcome_on = ends_on = None
        reason = detail = ""
        if forced == "unassigned":
            assigned = False
        elif forced == "assigned":
            assigned = True
        elif fate == "withdrawn_unsigned":
            outcome_on = accepted_on + datetime.timedelta(days=rng.randint(1, 14))
            if outcome_on <= today:
                status, reason = P.WITHDRAWN, pick(rng, UNSIGNED_WITHDRAWAL_REASONS)
                actor = self.manager
            else:
                outcome_on = None
        elif signed_on <= today:
            assigned = True
            ends_on = contract_end(signed_on)
            status = P.ACTIVE
            signed_at = self.cap(self.at(signed_on, rng.randint(9, 16), rng.randint(0, 59)))
            events.append((P.AWAITING_CONTRACT, P.ACTIVE, caseworker, signed_at, "Contract signed"))
            if fate == P.COMPLETED:
                outcome_on = ends_on + datetime.timedelta(days=rng.randint(0, 6))
            elif fate in (P.BREACHED, P.WITHDRAWN):
                span = (ends_on - signed_on).days
                outcome_on = signed_on + datetime.timedelta(days=rng.randint(10, span - 1))
            if outcome_on is not None and outcome_on > today:
                outcome_on = None
            if outcome_on is not None:
                status = fate
                actor = caseworker
                if fate == P.BREACHED:
                    reason = pick(rng, BREACH_REASONS)
                elif fate == P.WITHDRAWN:
                    reason = pick(rng, WITHDRAWAL_REASONS)
                    actor = self.manager if chance(rng, 0.4) else caseworker
        if status in (P.COMPLETED, P.BREACHED, P.WITHDRAWN):
            closed_at = self.cap(self.at(outcome_on, rng.randint(9, 17), rng.randint(0, 59)))
            closed_at = max(closed_at, events[-1][3])
            if reason:
                detail = rng.choice(OUTCOME_DETAILS[reason])
            events.append((events[-1][1], status, actor, closed_at, detail or "Completed"))
        # A programme records the new offence of a breach by reoffending (written below).
        breach_offence = None
        if status == P.BREACHED and reason == OutcomeReason.REOFFENDED:
            breach_offence = next(self.pools["later_offence"])

        self.out["programme"].writerow(
            (
                programme_id,
                referral_id,
                caseworker if assigned else NULL,
                status,
                nullable(signed_on if ends_on else None),
                nullable(ends_on),
                nullable(outcome_on),
                reason,
                detail,
                nullable(breach_offence),
                accepted_at,
                events[-1][3],
            )
        )
        if ends_on is not None:
            self.contract(
                rng,
                programme_id,
                policy,
                offence,
                victim,
                sex,
                status,
                reason,
                signed_on,
                ends_on,
                outcome_on,
            )
        # Random draws for what follows come last, so they leave the rest of the case as it
        # was before allocations and later offences were seeded.
        if assigned:
            # Still drawn, so the rest of the demo data stays as it was: the caseworker's
            # allocation is in the case's history, which the database writes itself.
            chance(rng, TAKEN_SHARE)
        if breach_offence is not None:
            self.breach_offence(
                rng, breach_offence, person_id, caseworker, signed_on, outcome_on, detail, events
            )
        elif status == P.COMPLETED and chance(rng, REOFFENDING_SHARE):
            self.offence_after(rng, person_id, outcome_on)

    def breach_offence(
        self, rng, offence_id, person_id, caseworker, signed_on, outcome_on, detail, events
    ):
        """The offence during the contract that breached it, as services.end records it."""
        # Not today: an offence dated today may be "in the future" to the database's UTC
        # clock in the first hour of a British summer day.
        last = min(outcome_on, self.today - datetime.timedelta(days=1))
        offence_date = signed_on + datetime.timedelta(days=rng.randint(1, (last - signed_on).days))
        code = BREACH_OFFENCES.get(detail)
        offence = self.offences_by_code.get(code) or pick(rng, self.offence_table)
        source = pick(rng, BREACH_OFFENCE_SOURCES)
        recorded_at = events[-1][3]
        self.out["later_offence"].writerow(
            (offence_id, person_id, offence_date, offence.id, source, caseworker, recorded_at, "")
        )

    def offence_after(self, rng, person_id, completed_on):
        """Reoffending after a completed contract, for the 6, 12 and 24 month measures."""
        low, high = pick(rng, REOFFENDING_DELAYS)
        offence_date = completed_on + datetime.timedelta(days=rng.randint(low, high))
        offence = pick(rng, self.offence_table)
        source = pick(rng, LATER_OFFENCE_SOURCES)
        if offence_date >= self.today:
            return  # not happened yet
        found = offence_date + datetime.timedelta(days=rng.randint(1, 30))
        recorded_at = self.cap(self.at(found, rng.randint(9, 17), rng.randint(0, 59)))
        self.out["later_offence"].writerow(
            (
                next(self.pools["later_offence"]),
                person_id,
                offence_date,
                offence.id,
                source,
                self.manager,
                recorded_at,
                "",
            )
        )

    def contract(
        self,
        rng,
        programme_id,
        policy,
        offence,
        victim,
        sex,
        status,
        reason,
        signed_on,
        ends_on,
        outcome_on,
    ):
        """Conditions, milestones, appointments and needs assessments of a signed contract."""
        today = self.today
        cutoff = outcome_on or today
        progress = min(1.0, (cutoff - signed_on).days / max(1, (ends_on - signed_on).days))

        # Conditions: not reoffending first, then up to four more (domain: five at most).
        kinds = [(ConditionKind.NO_REOFFENDING, "Do not commit any further offence.", NULL)]
        if victim == Victim.RESTORATIVE:
            kinds.append((ConditionKind.RESTORATIVE, rng.choice(RESTORATIVE), NULL))
        pool = list(INTERVENTIONS_DRUGS if offence.group in DRUG_GROUPS else INTERVENTIONS_OTHER)
        if sex == Sex.FEMALE and chance(rng, 0.5):
            pool.append(WOMENS_CENTRE)
        for description in rng.sample(pool, 2 if chance(rng, 0.3) else 1):
            kinds.append((ConditionKind.INTERVENTION, description, NULL))
        if policy.index > 0 and chance(rng, 0.08):
            kinds.append(
                (ConditionKind.TAG, "Wear an electronic tag with a 7pm to 7am curfew.", NULL)
            )
        elif chance(rng, 0.55):
            hours = rng.randint(*VOLUNTARY_HOURS)
            kinds.append(
                (
                    ConditionKind.VOLUNTARY_WORK,
                    f"{hours} hours of unpaid work with a community project.",
                    hours,
                )
            )
        kinds = kinds[:5]
        if status == P.BREACHED and reason == OutcomeReason.FAILED_CONDITION and len(kinds) > 1:
            failed = rng.randint(2, len(kinds))
        elif status == P.BREACHED and reason == OutcomeReason.NON_ATTENDANCE and len(kinds) > 1:
            failed = next(
                (n for n, (k, _, _) in enumerate(kinds, 1) if k == ConditionKind.INTERVENTION), 2
            )
        elif status == P.BREACHED:
            failed = 1
        else:
            failed = None
        rows = []
        for number, (kind, description, hours) in enumerate(kinds, 1):
            why = evidence = ""
            if number == failed:
                state, why = ConditionStatus.FAILED, FAILURE_REASONS[kind]
            elif status == P.COMPLETED:
                if number > 1 and chance(rng, 0.04):
                    state, why = ConditionStatus.WAIVED, WAIVER_REASON
                else:
                    state, evidence = ConditionStatus.MET, EVIDENCE[kind]
            elif number > 1 and chance(rng, progress * 0.8):
                state, evidence = ConditionStatus.MET, EVIDENCE[kind]
            else:
                state = ConditionStatus.PENDING
            rows.append((programme_id, number, kind, description, hours, state, why, evidence))
        self.out["condition"].writerows(rows)

        # Milestones from the policy version's schedule, as sign_contract makes them.
        rows = []
        done_on = {}
        for step, due in milestone_dates(policy.schedule, signed_on):
            completed_on = NULL
            if status == P.COMPLETED:
                state = MilestoneStatus.DONE
                if due >= ends_on:
                    completed_on = outcome_on
                else:
                    completed_on = due + datetime.timedelta(days=rng.randint(-2, 3))
                    completed_on = min(max(completed_on, signed_on), outcome_on)
            elif due < cutoff:
                roll = rng.random()
                overdue_ok = status == P.ACTIVE and (today - due).days <= 21
                if roll < 0.8:
                    state = MilestoneStatus.DONE
                    completed_on = due + datetime.timedelta(days=rng.randint(-2, 3))
                    completed_on = min(max(completed_on, signed_on), cutoff)
                elif roll < 0.9 and overdue_ok:
                    state = MilestoneStatus.DUE  # overdue: the caseworker's to-do list
                else:
                    state = MilestoneStatus.MISSED
            else:
                state = MilestoneStatus.DUE
            if state == MilestoneStatus.DONE:
                done_on[step["code"]] = completed_on
            missed_reason = MISSED_REASON if state == MilestoneStatus.MISSED else ""
            rows.append(
                (programme_id, step["code"], step["label"], due, state, completed_on, missed_reason)
            )
        self.out["milestone"].writerows(rows)

        self.appointments(rng, programme_id, status, reason, signed_on, ends_on, cutoff)

        # Needs assessment across pathways at entry, and again at exit on completion.
        entry_on = done_on.get("needs_assessment")
        if entry_on is None:
            return
        drugs = offence.group in DRUG_GROUPS
        pathways = list(PATHWAY_NEED.items())
        if chance(rng, 0.25 if sex == Sex.FEMALE else 0.08):
            pathways.append((Pathway.ABUSE, 0.3))
        rows = []
        exit_on = done_on.get("final_review") if status == P.COMPLETED else None
        for pathway, p in pathways:
            if pathway == Pathway.DRUGS and drugs:
                p = 0.55
            score = sum(rng.random() < p for _ in range(4))
            rows.append((programme_id, AssessmentStage.ENTRY, pathway, score, "", entry_on))
            if exit_on is not None:
                left = sum(rng.random() < NEED_KEPT_AT_EXIT for _ in range(score))
                rows.append((programme_id, AssessmentStage.EXIT, pathway, left, "", exit_on))
        self.out["assessment"].writerows(rows)

    def appointments(self, rng, programme_id, status, reason, signed_on, ends_on, cutoff):
        today = self.today
        closed = status != P.ACTIVE
        plan = [
            (AppointmentKind.ASSESSMENT, signed_on + datetime.timedelta(days=rng.randint(1, 6)))
        ]
        for _ in range(2 if chance(rng, 0.4) else 1):
            plan.append(
                (
                    AppointmentKind.INTERVENTION,
                    signed_on + datetime.timedelta(days=rng.randint(8, 75)),
                )
            )
        for months in (1, 2, 3):
            if chance(rng, 0.7):
                plan.append(
                    (AppointmentKind.REVIEW, signed_on + datetime.timedelta(days=30 * months))
                )
        poor = reason == OutcomeReason.NON_ATTENDANCE
        rows = []
        for kind, day in sorted(plan, key=lambda item: item[1]):
            if day > ends_on or (closed and day > cutoff):
                continue
            starts_at = self.at(day, rng.randint(9, 16), rng.choice((0, 30)))
            if day < today and chance(rng, 0.05):
                new_id = next(self.pools["appointment"])
                new_day = day + datetime.timedelta(days=rng.randint(2, 8))
                new_at = self.at(new_day, rng.randint(9, 16), rng.choice((0, 30)))
                rows.append(
                    self.appointment(rng, new_id, programme_id, kind, new_at, poor, closed, cutoff)
                )
                requester = rng.choice(REQUESTERS)
                rows.append(
                    (
                        next(self.pools["appointment"]),
                        programme_id,
                        kind,
                        starts_at,
                        False,
                        "",
                        new_id,
                        requester,
                        rng.choice(RESCHEDULE_REASONS[requester]),
                        "",
                    )
                )
            else:
                rows.append(
                    self.appointment(
                        rng,
                        next(self.pools["appointment"]),
                        programme_id,
                        kind,
                        starts_at,
                        poor,
                        closed,
                        cutoff,
                    )
                )
        self.out["appointment"].writerows(rows)

    def appointment(self, rng, appointment_id, programme_id, kind, starts_at, poor, closed, cutoff):
        day = self.local_date(starts_at)
        if day < self.today and not (closed and day > cutoff):
            attendance = pick(rng, ATTENDANCE_POOR if poor else ATTENDANCE)
            took_place, notes = True, ATTENDANCE_NOTES.get(attendance, "")
        elif closed:
            took_place, attendance, notes = False, "", "Cancelled: the case had closed."
        else:
            took_place, attendance, notes = NULL, "", ""
        return (
            appointment_id,
            programme_id,
            kind,
            starts_at,
            took_place,
            attendance,
            NULL,
            "",
            "",
            notes,
        )


def generated(generator, ranges):
    """Yield the batches, generating the next on a thread while the caller writes this one.

    Generating is Python work and writing mostly waits on PostgreSQL (psycopg2 lets go of
    the GIL meanwhile), so the two overlap. At most two batches wait in memory.
    """
    handoff = queue.Queue(maxsize=2)
    stopping = threading.Event()

    def hand_over(item):
        while not stopping.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce():
        try:
            for start, stop in ranges:
                if stopping.is_set():
                    return
                hand_over(generator.batch(start, stop))
            hand_over(None)
        except BaseException as error:  # handed to the caller, raised there
            hand_over(error)
        finally:
            connection.close()  # this thread's own connection, used for ids

    thread = threading.Thread(target=produce, name="seed_demo-generate", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopping.set()
        thread.join()


def nullable(value):
    return NULL if value is None else value


def demo_referrals(custody_id):
    return Referral.objects.filter(
        created_by_id=custody_id, custody_record_number__regex=DEMO_RECORD_REGEX
    )


def demo_index():
    return Cast(Substr("custody_record_number", 4, 8), IntegerField()) - SERIAL_BASE


class Command(BaseCommand):
    help = (
        "Create demo logins for every role and a fictional case history of --referrals demo "
        "referrals (topping up what is there; running it again adds nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--referrals", type=int, default=400, help="Demo referrals wanted in all."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )
        parser.add_argument("--batch-size", type=int, default=5000, help=argparse.SUPPRESS)

    def handle(self, *args, referrals, seed, batch_size, **options):
        if not 0 <= referrals <= MAX_DEMO_REFERRALS:
            raise CommandError(f"--referrals must be between 0 and {MAX_DEMO_REFERRALS:,}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        users = self.ensure_users()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            try:
                self.seed(users, referrals, seed, batch_size, cursor)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        self.print_logins(users)

    def ensure_users(self):
        """The demo staff, made once. An existing account is left as it is, password included."""
        users = {}
        with transaction.atomic():
            for username, role, first_name, last_name in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "first_name": first_name,
                        "last_name": last_name,
                        "email": f"{username}@example.com",
                    },
                )
                if created:
                    validate_password(DEMO_PASSWORD, user)
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                    user.groups.add(Group.objects.get(name=role.value))
                users[username] = user
        return users

    def seed(self, users, wanted, seed, batch_size, cursor):
        custody = users["custody"].pk
        found = demo_referrals(custody).aggregate(last=Max(demo_index()))
        existing = demo_referrals(custody).count()
        missing = wanted - existing
        if missing <= 0:
            self.stdout.write(
                f"Demo data already present ({existing:,} demo referrals); nothing added."
            )
            return
        next_index = 0 if found["last"] is None else found["last"] + 1
        if next_index + missing > MAX_DEMO_REFERRALS:
            raise CommandError("The demo custody record range is full.")
        started = time.monotonic()
        tables = make_tables()
        generator = DemoGenerator(seed=seed, users=users)
        generator.check_patterns()
        generator.load_window(next_index)
        ranges = [
            (start, min(start + batch_size, next_index + missing))
            for start in range(next_index, next_index + missing, batch_size)
        ]
        counts = collections.Counter()
        show = missing >= 1000 and sys.stderr.isatty()
        with (
            contextlib.closing(generated(generator, ranges)) as batches,
            tqdm(total=missing, unit=" referrals", disable=not show, file=sys.stderr) as bar,
        ):
            for batch in batches:
                with transaction.atomic():
                    batch.write(tables, cursor)
                counts.update(batch.counts)
                bar.update(batch.size)
        rows = sum(table.total for table in tables.values())
        self.stdout.write(
            f"Added {counts['referrals']:,} demo referrals ({counts['people']:,} people, "
            f"{counts['programmes']:,} programmes; {rows:,} rows) in "
            f"{time.monotonic() - started:.1f}s; {existing + missing:,} demo referrals in all."
        )

    def print_logins(self, users):
        self.stdout.write("Demo logins:")
        for username, role, *_ in DEMO_USERS:
            user = users[username]
            password = DEMO_PASSWORD if user.check_password(DEMO_PASSWORD) else "(changed)"
            self.stdout.write(f"  {username:<12} {role.value:<16} {password}")
