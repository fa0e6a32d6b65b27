"""The programme that follows an accepted offer: allocation, the contract, its conditions,
milestones, appointments and needs assessments, the outcome and any later offences.

Dates come from the domain (`contract_end`, `milestone_dates` over the policy version's
schedule), status moves from `Programme.TRANSITIONS` (through `workflow.Walk`), and a
completion is checked with `completion_problem`, as `services.programme.complete` checks it.
"""

import datetime
from dataclasses import dataclass

from diversion.cases.models import (
    BREACH_REASONS,
    CLOSED,
    MAX_CONDITIONS,
    PATHWAY_SCORE,
    VOLUNTARY_HOURS,
    WITHDRAWAL_REASONS,
    AppointmentKind,
    AssessmentStage,
    Attendance,
    ConditionKind,
    ConditionStatus,
    MilestoneStatus,
    OutcomeReason,
    Pathway,
    Programme,
    ProgrammeStatus,
    RescheduleRequester,
    Victim,
)
from diversion.cases.services.allocation import TAKEN_REASON
from diversion.cases.services.casework import NEEDS_MILESTONE
from diversion.cases.services.programme import (
    CONDITION_SETTLED,
    FINAL_REVIEW,
    completion_problem,
    milestone_dates,
    records_new_offence,
)
from diversion.demo.seed.copy import NULL, nullable
from diversion.demo.seed.draw import chance, over, pick, weighted
from diversion.demo.seed.workflow import IllegalDemoPath, Walk
from diversion.lib.dates import contract_end
from diversion.people.models import OffenceSource, Sex

P = ProgrammeStatus
DRUG_GROUPS = {"drug_possession", "drug_supply"}
# How programmes end, and the share of withdrawals that come before the contract is signed.
FATES = over(CLOSED, {P.COMPLETED: 76, P.BREACHED: 15, P.WITHDRAWN: 9})
UNSIGNED_WITHDRAWAL_SHARE = 1 / 3
BREACH_REASON_TABLE = over(
    BREACH_REASONS,
    {
        OutcomeReason.REOFFENDED: 50,
        OutcomeReason.FAILED_CONDITION: 25,
        OutcomeReason.NON_ATTENDANCE: 25,
    },
)
WITHDRAWAL_REASON_TABLE = over(
    WITHDRAWAL_REASONS,
    {
        OutcomeReason.MOVED_AWAY: 45,
        OutcomeReason.DIED: 4,
        OutcomeReason.EVIDENTIAL: 31,
        OutcomeReason.OTHER: 20,
    },
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


@dataclass
class Case:
    """What the programme needs from its referral."""

    referral_id: int
    person_id: int
    sex: str
    policy: object
    offence: object
    victim: str
    accepted_at: datetime.datetime
    custody: int
    caseworker: int
    manager: int


def programme(demo, rng, case, script):
    """The programme of an accepted offer, as open_programme, sign_contract, complete and
    end would have recorded it by now."""
    programme_id = next(demo.pools["programme"])
    demo.batch.counts["programmes"] += 1
    today = demo.today
    accepted_on = demo.local_date(case.accepted_at)
    # open_programme: made when the offer is accepted, by whoever recorded the acceptance.
    walk = Walk(
        Programme,
        Programme._meta.get_field("status").default,
        actor=case.custody,
        at=case.accepted_at,
    )
    allocated_at = case.accepted_at + datetime.timedelta(hours=rng.uniform(2, 72))
    assigned = allocated_at <= demo.latest
    signed_on = accepted_on + datetime.timedelta(days=rng.randint(3, 21))
    target = script.get("programme") or pick(rng, FATES)
    unsigned = script.get("signed") is False or (
        not script and target == P.WITHDRAWN and chance(rng, UNSIGNED_WITHDRAWAL_SHARE)
    )
    outcome_on = ends_on = None
    reason = detail = ""
    if "assigned" in script:
        assigned = script["assigned"]  # awaiting its contract, in or out of the queue
    elif unsigned:
        outcome_on = accepted_on + datetime.timedelta(days=rng.randint(1, 14))
        if outcome_on <= today:
            reason = pick(rng, UNSIGNED_WITHDRAWAL_REASONS)
            detail = rng.choice(OUTCOME_DETAILS[reason])
            close(demo, rng, walk, P.WITHDRAWN, case.manager, outcome_on, detail)
        else:
            outcome_on = None
    elif signed_on <= today:
        assigned = True  # a case is taken or assigned before its contract is signed
        ends_on = contract_end(signed_on)
        signed_at = demo.cap(demo.at(signed_on, rng.randint(9, 16), rng.randint(0, 59)))
        walk.to(P.ACTIVE, actor=case.caseworker, at=signed_at, reason="Contract signed")
        if target == P.COMPLETED:
            outcome_on = ends_on + datetime.timedelta(days=rng.randint(0, 6))
        elif target in (P.BREACHED, P.WITHDRAWN):
            span = (ends_on - signed_on).days
            outcome_on = signed_on + datetime.timedelta(days=rng.randint(10, span - 1))
        if outcome_on is not None and outcome_on > today:
            outcome_on = None
        status = target if outcome_on is not None else P.ACTIVE
        if status == P.BREACHED:
            reason = pick(rng, BREACH_REASON_TABLE)
        elif status == P.WITHDRAWN:
            reason = pick(rng, WITHDRAWAL_REASON_TABLE)
        outcome = contract(demo, rng, case, programme_id, status, reason, signed_on, outcome_on)
        if status in CLOSED:
            if status == P.COMPLETED:
                problem = completion_problem(*outcome)
                if problem:
                    raise IllegalDemoPath(f"Demo programme {programme_id}: {problem}")
                actor = case.caseworker
            else:
                detail = rng.choice(OUTCOME_DETAILS[reason])
                withdrawn_by_manager = status == P.WITHDRAWN and chance(rng, 0.4)
                actor = case.manager if withdrawn_by_manager else case.caseworker
            close(demo, rng, walk, status, actor, outcome_on, detail or "Completed")
    breach_offence = None
    if records_new_offence(walk.status, reason):
        breach_offence = next(demo.pools["later_offence"])

    demo.out["programme"].writerow(
        (
            programme_id,
            case.referral_id,
            case.caseworker if assigned else NULL,
            walk.status,
            nullable(signed_on if ends_on else None),
            nullable(ends_on),
            nullable(outcome_on if walk.status in CLOSED else None),
            reason if walk.status in CLOSED else "",
            detail,
            nullable(breach_offence),
            case.accepted_at,
            walk.at,
        )
    )
    demo.out["programme_event"].writerows((programme_id, *event) for event in walk.events)
    # Random draws for what follows come last, so they leave the rest of the case as it
    # was before allocations and later offences were seeded.
    if assigned:
        # Given to the caseworker before they signed the contract or the case closed.
        moves = [event[3] for event in walk.events[1:2]]
        allocated_at = min(allocated_at, *moves, demo.latest)
        taken = chance(rng, TAKEN_SHARE)
        demo.out["allocation"].writerow(
            (
                programme_id,
                case.caseworker,
                NULL,
                case.caseworker if taken else case.manager,
                allocated_at,
                TAKEN_REASON if taken else "",
            )
        )
    if breach_offence is not None:
        record_breach_offence(demo, rng, case, breach_offence, signed_on, outcome_on, detail, walk)
    elif walk.status == P.COMPLETED and chance(rng, REOFFENDING_SHARE):
        offence_after(demo, rng, case, outcome_on)


def close(demo, rng, walk, status, actor, outcome_on, why):
    closed_at = demo.cap(demo.at(outcome_on, rng.randint(9, 17), rng.randint(0, 59)))
    walk.to(status, actor=actor, at=closed_at, reason=why)


def record_breach_offence(demo, rng, case, offence_id, signed_on, outcome_on, detail, walk):
    """The offence during the contract that breached it, as services.programme.end records
    it: on or after signing and no later than the breach."""
    # Not today: an offence dated today may be "in the future" to the database's UTC
    # clock in the first hour of a British summer day.
    last = min(outcome_on, demo.today - datetime.timedelta(days=1))
    offence_date = signed_on + datetime.timedelta(days=rng.randint(1, (last - signed_on).days))
    code = BREACH_OFFENCES.get(detail)
    offence = demo.offences_by_code.get(code) or pick(rng, demo.offence_table)
    source = pick(rng, BREACH_OFFENCE_SOURCES)
    demo.out["later_offence"].writerow(
        (offence_id, case.person_id, offence_date, offence.id, source, case.caseworker, walk.at, "")
    )


def offence_after(demo, rng, case, completed_on):
    """Reoffending after a completed contract, for the 6, 12 and 24 month measures."""
    low, high = pick(rng, REOFFENDING_DELAYS)
    offence_date = completed_on + datetime.timedelta(days=rng.randint(low, high))
    offence = pick(rng, demo.offence_table)
    source = pick(rng, LATER_OFFENCE_SOURCES)
    if offence_date >= demo.today:
        return  # not happened yet
    found = offence_date + datetime.timedelta(days=rng.randint(1, 30))
    recorded_at = demo.cap(demo.at(found, rng.randint(9, 17), rng.randint(0, 59)))
    demo.out["later_offence"].writerow(
        (
            next(demo.pools["later_offence"]),
            case.person_id,
            offence_date,
            offence.id,
            source,
            case.manager,
            recorded_at,
            "",
        )
    )


def contract(demo, rng, case, programme_id, status, reason, signed_on, outcome_on):
    """Conditions, milestones, appointments and needs assessments of a signed contract, as
    sign_contract made them and casework has kept them since. Returns the conditions'
    statuses and the milestones' statuses by code, for completion_problem."""
    ends_on = contract_end(signed_on)
    cutoff = outcome_on or demo.today
    progress = min(1.0, (cutoff - signed_on).days / max(1, (ends_on - signed_on).days))

    # Conditions: not reoffending first (sign_contract adds it), then the extra ones.
    kinds = [(ConditionKind.NO_REOFFENDING, "Do not commit any further offence.", NULL)]
    if case.victim == Victim.RESTORATIVE:
        kinds.append((ConditionKind.RESTORATIVE, rng.choice(RESTORATIVE), NULL))
    drugs = case.offence.group in DRUG_GROUPS
    pool = list(INTERVENTIONS_DRUGS if drugs else INTERVENTIONS_OTHER)
    if case.sex == Sex.FEMALE and chance(rng, 0.5):
        pool.append(WOMENS_CENTRE)
    for description in rng.sample(pool, 2 if chance(rng, 0.3) else 1):
        kinds.append((ConditionKind.INTERVENTION, description, NULL))
    if case.policy.index > 0 and chance(rng, 0.08):
        kinds.append((ConditionKind.TAG, "Wear an electronic tag with a 7pm to 7am curfew.", NULL))
    elif chance(rng, 0.55):
        hours = rng.randint(*VOLUNTARY_HOURS)
        kinds.append(
            (
                ConditionKind.VOLUNTARY_WORK,
                f"{hours} hours of unpaid work with a community project.",
                hours,
            )
        )
    kinds = kinds[:MAX_CONDITIONS]
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
            # Completion needs every condition settled: met, or now and then waived.
            waived = number > 1 and chance(rng, 0.04)
            state = CONDITION_SETTLED[-1] if waived else CONDITION_SETTLED[0]
            why, evidence = (WAIVER_REASON, "") if waived else ("", EVIDENCE[kind])
        elif number > 1 and chance(rng, progress * 0.8):
            state, evidence = ConditionStatus.MET, EVIDENCE[kind]
        else:
            state = ConditionStatus.PENDING
        rows.append((programme_id, number, kind, description, hours, state, why, evidence))
    demo.out["condition"].writerows(rows)
    condition_statuses = [row[5] for row in rows]

    # Milestones from the policy version's schedule, as sign_contract makes them.
    rows = []
    done_on = {}
    for step, due in milestone_dates(case.policy.schedule, signed_on):
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
            overdue_ok = status == P.ACTIVE and (demo.today - due).days <= 21
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
        rows.append((programme_id, step["code"], step["label"], due, state, completed_on))
    demo.out["milestone"].writerows(rows)
    milestone_statuses = {row[1]: row[4] for row in rows}

    appointments(demo, rng, programme_id, status, reason, signed_on, cutoff)

    # Needs assessed across pathways at entry (which completes the needs-assessment
    # milestone, as record_assessment does), and again at exit on completion.
    entry_on = done_on.get(NEEDS_MILESTONE)
    if entry_on is not None:
        pathways = list(PATHWAY_NEED.items())
        if chance(rng, 0.25 if case.sex == Sex.FEMALE else 0.08):
            pathways.append((Pathway.ABUSE, 0.3))
        rows = []
        exit_on = done_on.get(FINAL_REVIEW) if status == P.COMPLETED else None
        for pathway, p in pathways:
            if pathway == Pathway.DRUGS and drugs:
                p = 0.55
            # Units of need up to the top of the score, each present with chance p.
            score = sum(rng.random() < p for _ in range(PATHWAY_SCORE[1]))
            rows.append((programme_id, AssessmentStage.ENTRY, pathway, score, "", entry_on))
            if exit_on is not None:
                left = sum(rng.random() < NEED_KEPT_AT_EXIT for _ in range(score))
                rows.append((programme_id, AssessmentStage.EXIT, pathway, left, "", exit_on))
        demo.out["assessment"].writerows(rows)
    return condition_statuses, milestone_statuses


def appointments(demo, rng, programme_id, status, reason, signed_on, cutoff):
    """Appointments within the contract (casework: from signing to the end date), recorded
    once their time has come; those after a closed case's outcome were cancelled."""
    ends_on = contract_end(signed_on)
    closed = status in CLOSED
    plan = [(AppointmentKind.ASSESSMENT, signed_on + datetime.timedelta(days=rng.randint(1, 6)))]
    for _ in range(2 if chance(rng, 0.4) else 1):
        plan.append(
            (AppointmentKind.INTERVENTION, signed_on + datetime.timedelta(days=rng.randint(8, 75)))
        )
    for months in (1, 2, 3):
        if chance(rng, 0.7):
            plan.append((AppointmentKind.REVIEW, signed_on + datetime.timedelta(days=30 * months)))
    poor = reason == OutcomeReason.NON_ATTENDANCE
    rows = []

    def appointment(kind, starts_at):
        day = demo.local_date(starts_at)
        if day < demo.today and not (closed and day > cutoff):
            attendance = pick(rng, ATTENDANCE_POOR if poor else ATTENDANCE)
            took_place, notes = True, ATTENDANCE_NOTES.get(attendance, "")
        elif closed:
            took_place, attendance, notes = False, "", "Cancelled: the case had closed."
        else:
            took_place, attendance, notes = NULL, "", ""
        appointment_id = next(demo.pools["appointment"])
        rows.append(
            (appointment_id, programme_id, kind, starts_at, took_place, attendance)
            + (NULL, "", "", notes)
        )
        return appointment_id

    for kind, day in sorted(plan, key=lambda item: item[1]):
        if day > ends_on or (closed and day > cutoff):
            continue
        starts_at = demo.at(day, rng.randint(9, 16), rng.choice((0, 30)))
        new_day = day + datetime.timedelta(days=rng.randint(2, 8))
        if day < demo.today and new_day <= ends_on and chance(rng, 0.05):
            new_at = demo.at(new_day, rng.randint(9, 16), rng.choice((0, 30)))
            new_id = appointment(kind, new_at)
            requester = rng.choice(REQUESTERS)
            rows.append(
                (next(demo.pools["appointment"]), programme_id, kind, starts_at, False, "")
                + (new_id, requester, rng.choice(RESCHEDULE_REASONS[requester]), "")
            )
        else:
            appointment(kind, starts_at)
    demo.out["appointment"].writerows(rows)
