"""One demo referral: the arrest, the eligibility decision, the offer and the answer.

Each referral is assessed by `policy.eligibility.assess` under the policy in force on its
offence date, and the custody officer's decision goes through
`cases.services.referral.custody_decision`, exactly as `create_referral` does it. Facts a
hard limit refuses (the service would not record the referral at all) are drawn again.
"""

import datetime
import json

from django.core.management.base import CommandError
from django.core.validators import MaxValueValidator, MinValueValidator

from diversion.cases.forms.intake import MAX_DAYS_TO_DECIDE
from diversion.cases.models import (
    DeclineReason,
    OfficerDecision,
    PersonDecision,
    Referral,
    ReferralStatus,
    RiskBand,
    Victim,
)
from diversion.cases.services.referral import STATUS_AFTER_DECISION, custody_decision
from diversion.demo.seed import people, programmes
from diversion.demo.seed.context import SERIAL_BASE
from diversion.demo.seed.draw import chance, over, pick, weighted
from diversion.demo.seed.workflow import Walk
from diversion.policy.eligibility import Facts, assess
from diversion.policy.models import Circumstance

# Referrals in the last RECENT_DAYS days, where cases are still open. The share keeps the
# daily volume about level with the roll-out years before it.
RECENT_DAYS = 120
RECENT_SHARE = 0.05
# Facts drawn at most this many times for one referral before giving up.
MAX_DRAWS = 20
# The gravity matrix's range, as the referral stores it.
GRAVITY = tuple(
    v.limit_value
    for v in Referral._meta.get_field("gravity_score").validators
    if isinstance(v, MinValueValidator | MaxValueValidator)
)
# A person who asks for time is given a week, within the longest the pages allow.
DAYS_TO_CONSIDER = 7
assert DAYS_TO_CONSIDER <= MAX_DAYS_TO_DECIDE

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
# Why people decline: at the desk mostly court or the conditions; after time to think, often
# legal advice that did not come back before the deadline.
R = DeclineReason
DECLINED_AT_THE_DESK = over(
    R.values,
    {
        R.PREFERS_COURT: 30,
        R.CONDITIONS: 28,
        R.DISPUTES_OFFENCE: 22,
        R.NO_ANSWER_IN_TIME: 0,
        R.NO_REASON: 12,
        R.OTHER: 8,
    },
)
DECLINED_AFTER_CONSIDERING = over(
    R.values,
    {
        R.PREFERS_COURT: 20,
        R.CONDITIONS: 25,
        R.DISPUTES_OFFENCE: 10,
        R.NO_ANSWER_IN_TIME: 30,
        R.NO_REASON: 8,
        R.OTHER: 7,
    },
)
# The officer's note with each reason ("" for none): "other" always says what it was.
DECLINED_NOTES = {
    R.PREFERS_COURT: ["Chose to go to court.", "Wants a magistrate to hear it.", ""],
    R.CONDITIONS: [
        "Did not want to engage with treatment.",
        "Said the appointments would not fit around work.",
        "",
    ],
    R.DISPUTES_OFFENCE: [
        "Disputes the offence and wants it tried.",
        "Says the drugs were not theirs.",
    ],
    R.NO_ANSWER_IN_TIME: ["Solicitor did not call back before the deadline.", ""],
    R.NO_REASON: [""],
    R.OTHER: [
        "Moving out of the area next month.",
        "Worried an employer would find out about the appointments.",
    ],
}

# --- Scripted cases: the first demo referrals cover every status, whatever N is ---------------

A, D = PersonDecision.ACCEPTED, PersonDecision.DECLINED
# The person's answer to an offer made some time ago; "consider_then" asks for time first.
PERSON_ANSWERS = weighted([(A, 74), (D, 16), ("consider_then", 10)])
P = programmes.P
SCRIPT = [
    {"days_ago": 0.15, "offence": "possession-class-b", "person": A, "assigned": False},
    {"days_ago": 4, "offence": "possession-class-a", "person": A, "assigned": True},
    {"days_ago": 45, "offence": "theft", "person": A, "programme": P.ACTIVE},
    {"era": 0, "offence": "possession-class-c", "person": A, "programme": P.COMPLETED},
    {"era": 0, "offence": "criminal-damage", "person": A, "programme": P.BREACHED},
    {"era": -1, "offence": "public-order", "person": A, "programme": P.WITHDRAWN},
    {
        "era": -1,
        "offence": "possession-class-b",
        "person": A,
        "programme": P.WITHDRAWN,
        "signed": False,
    },
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


class Arrest:
    """The facts of one arrest as the custody officer records them, and their assessment."""

    def __init__(self, demo, rng, index, script):
        era = demo.policies[script["era"]] if "era" in script else None
        self.arrested_at = arrest_time(demo, rng, script.get("days_ago"), era)
        self.arrest_date = arrest_date = demo.local_date(self.arrested_at)
        low, high = (0, 0) if script else pick(rng, ARREST_LAGS)
        self.offence_date = max(
            arrest_date - datetime.timedelta(days=rng.randint(low, high)),
            demo.policies[0].effective_from,
        )
        self.policy = demo.policy_on(self.offence_date)
        self.offence = demo.offences_by_code.get(script.get("offence")) or pick(
            rng, demo.offence_table
        )
        group = self.offence.group
        jitter = 0 if script else pick(rng, GRAVITY_JITTER)
        gravity = min(max(GRAVITY[0], BASE_GRAVITY.get(group, 2) + jitter), GRAVITY[1])
        # Scripted cases are low in gravity, so their path is the script's, not the score's.
        if script and group not in ("serious_violence", "sexual"):
            gravity = min(gravity, 2)
        self.gravity = gravity
        self.risk = RiskBand.LOW if script else pick(rng, RISK_BANDS)
        if group in VICTIM_GROUPS:
            self.victim = pick(rng, VICTIM_WITH)
        elif group == "public_order":
            self.victim = pick(rng, VICTIM_PUBLIC_ORDER)
        else:
            self.victim = Victim.NONE
        self.victim_views = (
            rng.choice(VICTIM_VIEWS[self.victim]) if self.victim in VICTIM_VIEWS else ""
        )
        self.circumstances = [pick(rng, CIRCUMSTANCES)] if not script and chance(rng, 0.1) else []
        outside = Circumstance.OUTSIDE_AREA in self.circumstances
        self.person = people.person_for(
            demo, rng, index, self.offence_date, self.arrested_at, outside
        )
        self.assessment = assess(
            self.policy.rules,
            Facts(
                date_of_birth=self.person.born,
                offence_date=self.offence_date,
                arrested_on=arrest_date,
                offence_type_id=self.offence.id,
                offence_type_name=self.offence.name,
                gravity_score=self.gravity,
                circumstances=self.circumstances,
            ),
        )


def draw_arrest(demo, rng, index, script):
    """Facts the service would record: ones a hard limit refuses are drawn again."""
    for _ in range(MAX_DRAWS):
        arrest = Arrest(demo, rng, index, script)
        if not arrest.assessment.refusal:
            return arrest
    raise CommandError(f"Demo referral {index}: no facts the eligibility rules accept.")


def officer_decision(rng, arrest, script):
    """The custody officer's decision. Offered when eligible, unless the risk or history
    says otherwise; now and then an exception for an offence the rules do not exclude."""
    if "officer" in script:
        return script["officer"]
    assessment = arrest.assessment
    if assessment.eligible:
        decline = chance(rng, 0.3 if arrest.risk == RiskBand.HIGH else 0.04) and not script
        return OfficerDecision.DECLINE if decline else OfficerDecision.OFFER
    excluded = arrest.offence.id in assessment.rules_applied.excluded_offence_types
    if not excluded and chance(rng, 0.05):
        return OfficerDecision.EXCEPTION
    return OfficerDecision.DECLINE


def rationale(rng, decision, failed):
    if decision == OfficerDecision.OFFER:
        return rng.choice(OFFER_RATIONALES)
    if decision == OfficerDecision.EXCEPTION:
        return f"Not eligible ({failed}). {rng.choice(EXCEPTION_RATIONALES)}"
    if failed:
        return f"Not eligible: {failed}."
    return rng.choice(DECLINE_ELIGIBLE_RATIONALES)


def referral(demo, index):
    """One referral and everything that follows from it, each step recorded in its history
    as the referral services record it."""
    rng = demo.rng(index)
    script = SCRIPT[index] if index < len(SCRIPT) else {}
    staff = demo.staff
    batch = demo.batch
    custody = staff.custody_officer(index)
    caseworker_number = staff.caseworker_number(rng, index)
    manager = staff.manager(caseworker_number)

    arrest = draw_arrest(demo, rng, index, script)
    person_id = arrest.person.commit(demo, custody)
    assessment = arrest.assessment
    decision = officer_decision(rng, arrest, script)
    needs_authorisation, status = custody_decision(assessment, decision)
    reason = rationale(rng, decision, assessment.first_unmet)
    created_at = demo.cap(arrest.arrested_at + datetime.timedelta(minutes=rng.randint(45, 300)))
    suite_id, prefix = pick(rng, demo.suites)
    referral_id = next(demo.pools["referral"])
    record = batch.record(
        Referral,
        id=referral_id,
        person_id=person_id,
        arrested_at=arrest.arrested_at,
        offence_date=arrest.offence_date,
        custody_suite_id=suite_id,
        custody_record_number=f"{prefix}-{SERIAL_BASE + index}-{arrest.arrest_date.year % 100:02d}",
        crime_reference=(
            f"CR-{rng.randint(1_000_000, 9_999_999)}-{arrest.offence_date.year % 100:02d}"
        ),
        offence_type_id=arrest.offence.id,
        gravity_score=arrest.gravity,
        risk_band=arrest.risk,
        victim=arrest.victim,
        victim_views=arrest.victim_views,
        circumstances="{" + ",".join(arrest.circumstances) + "}",
        policy_version_id=arrest.policy.id,
        eligible=assessment.eligible,
        eligibility_reasons=json.dumps(assessment.rules),
        officer_decision=decision,
        decision_rationale=reason,
        needs_authorisation=needs_authorisation,
        status=status,
        created_by_id=custody,
        created_at=created_at,
        # create_referral makes the offer at once when it needs no authorisation.
        offered_at=created_at if status == ReferralStatus.OFFERED else None,
    )
    # The history's first entry: the starting status, and why (create_referral).
    walk = Walk(record, batch.action(custody, created_at, reason))

    if walk.status == ReferralStatus.AWAITING_AUTHORISATION:
        outcome = script.get("authorisation")
        if outcome is None:
            if demo.latest - created_at < datetime.timedelta(days=2) and chance(rng, 0.5):
                outcome = "pending"
            elif chance(rng, 0.55 if decision == OfficerDecision.EXCEPTION else 0.8):
                outcome = "authorised"
            else:
                outcome = "refused"
        moment = walk.after(demo.cap(created_at + datetime.timedelta(hours=rng.uniform(1, 30))))
        if outcome == "authorised":  # as services.referral.authorise records it
            why = rng.choice(AUTHORISATION_REASONS)
            walk.to(
                ReferralStatus.OFFERED,
                batch.action(manager, moment, why),
                authorised_by_id=manager,
                authorised_at=moment,
                authorisation_reason=why,
                offered_at=moment,
            )
        elif outcome == "refused":  # as services.referral.refuse records it
            why = rng.choice(REFUSAL_REASONS)
            walk.to(
                ReferralStatus.AUTHORISATION_REFUSED,
                batch.action(manager, moment, why),
                authorisation_reason=why,
            )

    if walk.status == ReferralStatus.OFFERED:
        offered_at = record["offered_at"]
        answer = script.get("person")
        if answer is None:
            fresh = demo.latest - offered_at < datetime.timedelta(hours=20)
            answer = "offered" if fresh and chance(rng, 0.3) else pick(rng, PERSON_ANSWERS)
        answered_at = None
        if answer in ("considering", "consider_then"):
            # As services.referral.record_person_decision records a request for time.
            moment = walk.after(
                demo.cap(offered_at + datetime.timedelta(minutes=rng.randint(10, 60)))
            )
            decision_for = PersonDecision.CONSIDERING
            walk.to(
                STATUS_AFTER_DECISION[decision_for],
                batch.action(custody, moment, rng.choice(CONSIDERING_REASONS)),
                person_decision=decision_for,
                decide_by=demo.local_date(offered_at) + datetime.timedelta(days=DAYS_TO_CONSIDER),
                decided_at=None,
            )
            recent = demo.latest - offered_at < datetime.timedelta(days=DAYS_TO_CONSIDER)
            if answer == "considering" or (recent and chance(rng, 0.6)):
                answer = "considering"
            else:
                answer = A if chance(rng, 0.7) else D
                answered_at = demo.cap(moment + datetime.timedelta(days=rng.uniform(1, 6)))
        if answer in (A, D):
            considered = answered_at is not None
            if answered_at is None:
                delay = datetime.timedelta(minutes=rng.randint(5, 90))
                answered_at = demo.cap(walk.at + delay)
            answered_at = walk.after(answered_at)
            why, note = "", ""
            if answer == D:
                why = pick(rng, DECLINED_AFTER_CONSIDERING if considered else DECLINED_AT_THE_DESK)
                note = rng.choice(DECLINED_NOTES[why])
            # The deadline the person was given, if any, stays on record.
            walk.to(
                STATUS_AFTER_DECISION[PersonDecision(answer)],
                batch.action(custody, answered_at, note),
                person_decision=answer,
                decline_reason=why,
                decided_at=answered_at,
                decision_recorded_at=answered_at,
            )

    record.save()
    batch.counts["referrals"] += 1
    demo.window[index] = (person_id, arrest.person.born, arrest.offence_date, arrest.person.sex)
    demo.window.pop(index - people.REPEAT_WINDOW, None)

    if walk.status == ReferralStatus.ACCEPTED:
        programmes.programme(
            demo,
            rng,
            programmes.Case(
                referral_id=referral_id,
                person_id=person_id,
                sex=arrest.person.sex,
                policy=arrest.policy,
                offence=arrest.offence,
                victim=arrest.victim,
                accepted_at=walk.at,
                custody=custody,
                caseworker=staff.caseworker(caseworker_number),
                manager=manager,
            ),
            script,
        )


def arrest_time(demo, rng, days_ago, policy):
    if days_ago is not None:
        return demo.now - datetime.timedelta(days=days_ago, minutes=rng.randint(0, 30))
    if policy is None and chance(rng, RECENT_SHARE):
        seconds = rng.uniform(2 * 3600, RECENT_DAYS * 86400)
        return demo.now - datetime.timedelta(seconds=seconds)
    if policy is None:
        policy = pick(rng, demo.periods)
    start, end = period(demo, policy)
    day = start + datetime.timedelta(days=rng.randint(0, (end - start).days))
    return demo.at(day, pick(rng, ARREST_HOURS), rng.randint(0, 59))


def period(demo, policy):
    """Days a historic referral under `policy` may fall on: not in the recent window."""
    last_historic = demo.today - datetime.timedelta(days=RECENT_DAYS + 1)
    later = [p for p in demo.policies if p.effective_from > policy.effective_from]
    end = later[0].effective_from - datetime.timedelta(days=1) if later else last_historic
    return policy.effective_from, max(min(end, last_historic), policy.effective_from)


def periods(demo):
    """Volumes grew with each version of the rules, so later periods weigh more."""
    pairs = []
    for policy in demo.policies:
        start, end = period(demo, policy)
        pairs.append((policy, (end - start).days * (1 + 1.5 * policy.index)))
    if not any(weight for _, weight in pairs):
        pairs = [(demo.policies[-1], 1)]
    return weighted(pairs)


def prepare(demo):
    """The run's tables of offences and periods, made once."""
    demo.offence_table = weighted(
        (o, OFFENCE_WEIGHTS.get(o.code, UNLISTED_OFFENCE_WEIGHT)) for o in demo.offences
    )
    demo.periods = periods(demo)
