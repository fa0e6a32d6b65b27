"""The programme that follows an accepted offer: allocation, the contract, its conditions,
milestones, appointments and needs assessments, the outcome and any later offences.

Dates come from the domain (`contract_end`, `milestone_dates` over the policy version's
schedule), status moves from `Programme.TRANSITIONS` (through `workflow.Walk`), and a
completion is checked with `completion_blockers`, as `services.programme.complete` checks it.
Each change is recorded in the case's history as the service that makes it records it: who,
when and why (copy.Record, copy.Action).
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
    Appointment,
    AppointmentKind,
    AssessmentStage,
    Attendance,
    Condition,
    ConditionKind,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    OutcomeReason,
    Pathway,
    PathwayAssessment,
    Programme,
    ProgrammeStatus,
    ProsecutionReturn,
    RescheduleRequester,
    ReturnStatus,
    Victim,
    contract_end,
)
from diversion.cases.services.allocation import TAKEN_REASON
from diversion.cases.services.programme import (
    COMPLETED_REASON,
    CONDITION_SETTLED,
    SIGNED_REASON,
    completion_blockers,
    milestone_dates,
    records_new_offence,
)
from diversion.cases.services.prosecution import ACTIONED_REASON
from diversion.demo.seed.draw import chance, over, pick, weighted
from diversion.demo.seed.workflow import IllegalDemoPath, Walk
from diversion.people.models import LaterOffence, OffenceSource, Sex
from diversion.policy.models import MilestoneKind

P = ProgrammeStatus
DRUG_GROUPS = {"drug_possession", "drug_supply"}
# How programmes end, and the share of withdrawals that come before the contract is signed.
FATES = over(CLOSED, {P.COMPLETED: 76, P.BREACHED: 15, P.WITHDRAWN: 9})
UNSIGNED_WITHDRAWAL_SHARE = 1 / 3
# How soon the officer in the case marks a breached case returned to them as actioned.
ACTIONED_AFTER_DAYS = (1, 14)
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
OUTCOME_DETAILS: dict[str, list[str]] = {
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
# Caseworkers take most cases from the queue themselves; a manager assigns the rest, with
# a reason now and then (assign() lets it be left blank).
TAKEN_SHARE = 0.6
ASSIGN_REASONS = [
    "",
    "",
    "Lightest caseload in the team this week.",
    "Covers the area where the person lives.",
    "Works with the treatment provider the person already sees.",
]
MISSED_REASONS = [
    "Did not attend and could not be reached that week.",
    "Caseworker off sick; not rearranged in time.",
    "Person in hospital for the week it was due.",
    "Provider cancelled and no other slot was free before the due date.",
]
# Casework recorded on a case's last day comes before the outcome, which closes the case.
CLOSING_WORK = datetime.timedelta(minutes=5)
# An appointment's attendance is recorded soon after it.
RECORDED_AFTER = datetime.timedelta(hours=2)
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
    """The programme of an accepted offer, as open_programme, take or assign, sign_contract,
    the casework services, complete and end would have recorded it by now."""
    batch = demo.batch
    programme_id = next(demo.pools["programme"])
    batch.counts["programmes"] += 1
    today = demo.today
    accepted_on = demo.local_date(case.accepted_at)
    record = batch.record(
        Programme,
        id=programme_id,
        referral_id=case.referral_id,
        created_at=case.accepted_at,
        updated_at=case.accepted_at,
    )
    # open_programme: made when the offer is accepted, by whoever recorded the acceptance.
    walk = Walk(record, batch.action(case.custody, case.accepted_at))
    allocated_at = case.accepted_at + datetime.timedelta(hours=rng.uniform(2, 72))
    assigned = allocated_at <= demo.latest
    signed_on = accepted_on + datetime.timedelta(days=rng.randint(3, 21))
    target = script.get("programme") or pick(rng, FATES)
    unsigned = script.get("signed") is False or (
        not script and target == P.WITHDRAWN and chance(rng, UNSIGNED_WITHDRAWAL_SHARE)
    )
    if "assigned" in script:
        assigned = script["assigned"]  # awaiting its contract, in or out of the queue
        if assigned:
            allocate(demo, rng, walk, case, min(allocated_at, demo.latest))
    elif unsigned:
        outcome_on = accepted_on + datetime.timedelta(days=rng.randint(1, 14))
        if outcome_on <= today:
            reason = pick(rng, UNSIGNED_WITHDRAWAL_REASONS)
            detail = rng.choice(OUTCOME_DETAILS[reason])
            closed_at = walk.after(closing_time(demo, rng, outcome_on))
            if assigned:
                allocate(demo, rng, walk, case, min(allocated_at, closed_at))
            # As end() records a withdrawal.
            walk.to(
                P.WITHDRAWN,
                batch.action(case.manager, closed_at, detail),
                outcome_on=outcome_on,
                outcome_reason=reason,
                outcome_detail=detail,
            )
        elif assigned:
            allocate(demo, rng, walk, case, min(allocated_at, demo.latest))
    elif signed_on <= today:
        # A case is taken or assigned before its contract is signed (sign_contract).
        signed_at = demo.cap(demo.at(signed_on, rng.randint(9, 16), rng.randint(0, 59)))
        allocate(demo, rng, walk, case, min(allocated_at, signed_at))
        signed(demo, rng, case, walk, target, signed_on, signed_at)
    elif assigned:
        allocate(demo, rng, walk, case, min(allocated_at, demo.latest))
    record.save()


def allocate(demo, rng, walk, case, at):
    """The case given to its caseworker: taken from the queue (take) or assigned by their
    team's manager (assign), with the reason either records."""
    at = walk.after(at)
    if chance(rng, TAKEN_SHARE):
        action = demo.batch.action(case.caseworker, at, TAKEN_REASON)
    else:
        action = demo.batch.action(case.manager, at, rng.choice(ASSIGN_REASONS))
    walk.change(action, caseworker_id=case.caseworker)


def closing_time(demo, rng, outcome_on):
    return demo.cap(demo.at(outcome_on, rng.randint(9, 17), rng.randint(0, 59)))


def signed(demo, rng, case, walk, target, signed_on, signed_at):
    """The contract signed, the four months so far, and the outcome if there is one by now."""
    batch = demo.batch
    today = demo.today
    ends_on = contract_end(signed_on)
    # sign_contract: the move is recorded with SIGNED_REASON, the conditions and
    # milestones it makes in the same change.
    signing = batch.action(case.caseworker, walk.after(signed_at))
    walk.to(
        P.ACTIVE,
        batch.action(case.caseworker, signing.at, SIGNED_REASON, same_as=signing),
        signed_on=signed_on,
        ends_on=ends_on,
        signing_recorded_at=signing.at,
    )
    outcome_on = None
    if target == P.COMPLETED:
        outcome_on = ends_on + datetime.timedelta(days=rng.randint(0, 6))
    elif target in (P.BREACHED, P.WITHDRAWN):
        span = (ends_on - signed_on).days
        outcome_on = signed_on + datetime.timedelta(days=rng.randint(10, span - 1))
    if outcome_on is not None and outcome_on > today:
        outcome_on = None
    status = target if outcome_on is not None else P.ACTIVE
    reason = detail = ""
    if status == P.BREACHED:
        reason = pick(rng, BREACH_REASON_TABLE)
    elif status == P.WITHDRAWN:
        reason = pick(rng, WITHDRAWAL_REASON_TABLE)
    closed_at = walk.after(closing_time(demo, rng, outcome_on)) if outcome_on else None
    # Casework is recorded while the case runs: before it closes, and never in the future.
    until = closed_at - CLOSING_WORK if closed_at else demo.latest
    conditions, milestones = contract(
        demo, rng, case, walk.record["id"], status, reason, signed_on, outcome_on, signing, until
    )
    if status not in CLOSED:
        return
    breach_offence = None
    if status == P.COMPLETED:
        blockers = completion_blockers(conditions, milestones)
        if blockers:
            raise IllegalDemoPath(f"Demo programme {walk.record['id']}: {'; '.join(blockers)}")
        closing = batch.action(case.caseworker, closed_at, COMPLETED_REASON)
    else:
        detail = rng.choice(OUTCOME_DETAILS[reason])
        withdrawn_by_manager = status == P.WITHDRAWN and chance(rng, 0.4)
        actor = case.manager if withdrawn_by_manager else case.caseworker
        closing = batch.action(actor, closed_at, detail)  # as end() does
        if records_new_offence(status, reason):
            breach_offence = next(demo.pools["later_offence"])
    walk.to(
        status,
        closing,
        outcome_on=outcome_on,
        outcome_reason=reason,
        outcome_detail=detail,
        breach_offence_id=breach_offence,
    )
    # Random draws for what follows come last, so they leave the rest of the case as it
    # was before later offences were seeded.
    if breach_offence is not None:
        record_breach_offence(
            demo, rng, case, breach_offence, signed_on, outcome_on, detail, closing
        )
    elif status == P.COMPLETED and chance(rng, REOFFENDING_SHARE):
        offence_after(demo, rng, case, outcome_on)
    if status == P.BREACHED:
        returned_for_prosecution(demo, rng, case, walk.record["id"], outcome_on, closing)


def returned_for_prosecution(demo, rng, case, programme_id, outcome_on, closing):
    """The breach's return to the officer in the case, made in the same change as the
    breach (services.programme.end), and marked actioned by them a few days later
    (services.prosecution.mark_actioned) unless that is still to come."""
    record = demo.batch.record(
        ProsecutionReturn,
        id=next(demo.pools["return"]),
        programme_id=programme_id,
        officer_id=case.custody,
        returned_on=outcome_on,
        returned_at=closing.at,
    )
    walk = Walk(record, closing)
    actioned_at = closing.at + datetime.timedelta(days=rng.uniform(*ACTIONED_AFTER_DAYS))
    if actioned_at <= demo.latest:
        walk.to(
            ReturnStatus.ACTIONED,
            demo.batch.action(case.custody, actioned_at, ACTIONED_REASON),
            actioned_by_id=case.custody,
            actioned_at=actioned_at,
        )
    record.save()


def record_breach_offence(demo, rng, case, offence_id, signed_on, outcome_on, detail, closing):
    """The offence during the contract that breached it, as services.programme.end records
    it, in the same change as the breach: on or after signing and no later than the breach."""
    # Not today: an offence dated today may be "in the future" to the database's UTC
    # clock in the first hour of a British summer day.
    last = min(outcome_on, demo.today - datetime.timedelta(days=1))
    offence_date = signed_on + datetime.timedelta(days=rng.randint(1, (last - signed_on).days))
    code = BREACH_OFFENCES.get(detail)
    offence = demo.offences_by_code.get(code) or pick(rng, demo.offence_table)
    source = pick(rng, BREACH_OFFENCE_SOURCES)
    demo.batch.inserted(
        LaterOffence,
        (offence_id, case.person_id, offence_date, offence.id, source, case.caseworker)
        + (closing.at, ""),
        closing,
    )


def offence_after(demo, rng, case, completed_on):
    """Reoffending after a completed contract, for the 6, 12 and 24 month measures, as
    people.services.record_later_offence records it."""
    low, high = pick(rng, REOFFENDING_DELAYS)
    offence_date = completed_on + datetime.timedelta(days=rng.randint(low, high))
    offence = pick(rng, demo.offence_table)
    source = pick(rng, LATER_OFFENCE_SOURCES)
    if offence_date >= demo.today:
        return  # not happened yet
    found = offence_date + datetime.timedelta(days=rng.randint(1, 30))
    recorded_at = demo.cap(demo.at(found, rng.randint(9, 17), rng.randint(0, 59)))
    demo.batch.inserted(
        LaterOffence,
        (next(demo.pools["later_offence"]), case.person_id, offence_date, offence.id, source)
        + (case.manager, recorded_at, ""),
        demo.batch.action(case.manager, recorded_at),
    )


def condition_kinds(rng, case):
    """The contract's conditions: not reoffending first (sign_contract adds it), then the
    extra ones, as (kind, description, voluntary hours)."""
    kinds = [(ConditionKind.NO_REOFFENDING, "Do not commit any further offence.", None)]
    if case.victim == Victim.RESTORATIVE:
        kinds.append((ConditionKind.RESTORATIVE, rng.choice(RESTORATIVE), None))
    drugs = case.offence.group in DRUG_GROUPS
    pool = list(INTERVENTIONS_DRUGS if drugs else INTERVENTIONS_OTHER)
    if case.sex == Sex.FEMALE and chance(rng, 0.5):
        pool.append(WOMENS_CENTRE)
    for description in rng.sample(pool, 2 if chance(rng, 0.3) else 1):
        kinds.append((ConditionKind.INTERVENTION, description, None))
    if case.policy.index > 0 and chance(rng, 0.08):
        kinds.append((ConditionKind.TAG, "Wear an electronic tag with a 7pm to 7am curfew.", None))
    elif chance(rng, 0.55):
        hours = rng.randint(*VOLUNTARY_HOURS)
        kinds.append(
            (
                ConditionKind.VOLUNTARY_WORK,
                f"{hours} hours of unpaid work with a community project.",
                hours,
            )
        )
    return kinds[:MAX_CONDITIONS]


def failed_condition(rng, kinds, status, reason):
    """The number of the condition a breach failed, or None."""
    if status == P.BREACHED and reason == OutcomeReason.FAILED_CONDITION and len(kinds) > 1:
        return rng.randint(2, len(kinds))
    if status == P.BREACHED and reason == OutcomeReason.NON_ATTENDANCE and len(kinds) > 1:
        return next(
            (n for n, (k, _, _) in enumerate(kinds, 1) if k == ConditionKind.INTERVENTION), 2
        )
    if status == P.BREACHED:
        return 1
    return None


def contract(demo, rng, case, programme_id, status, reason, signed_on, outcome_on, signing, until):
    """Conditions, milestones, appointments and needs assessments of a signed contract, as
    sign_contract made them (in the `signing` change) and casework has recorded them since,
    each change by `until`. Returns the conditions' names and statuses and the milestones'
    statuses by kind, for completion_blockers."""
    batch = demo.batch
    ends_on = contract_end(signed_on)
    cutoff = outcome_on or demo.today
    progress = min(1.0, (cutoff - signed_on).days / max(1, (ends_on - signed_on).days))
    caseworker = case.caseworker

    def before_close():
        return max(signing.at, until - datetime.timedelta(minutes=rng.randint(0, 90)))

    def during(day):
        return demo.during(rng, day, after=signing.at, before=until)

    kinds = condition_kinds(rng, case)
    failed = failed_condition(rng, kinds, status, reason)
    conditions = []
    for number, (kind, description, hours) in enumerate(kinds, 1):
        row = batch.record(
            Condition,
            id=next(demo.pools["condition"]),
            programme_id=programme_id,
            number=number,
            kind=kind,
            description=description,
            voluntary_hours=hours,
        )
        row.insert(signing)
        why = evidence = ""
        actor, at = caseworker, None
        if number == failed:
            # Recorded before the breach, which is decided on the outcome tab.
            state, why, at = ConditionStatus.FAILED, FAILURE_REASONS[kind], before_close()
        elif status == P.COMPLETED:
            # Completion needs every condition settled: met, or now and then waived.
            waived = number > 1 and chance(rng, 0.04)
            state = CONDITION_SETTLED[-1] if waived else CONDITION_SETTLED[0]
            why, evidence = (WAIVER_REASON, "") if waived else ("", EVIDENCE[kind])
            actor = case.manager if waived else caseworker
        elif number > 1 and chance(rng, progress * 0.8):
            state, evidence = ConditionStatus.MET, EVIDENCE[kind]
        else:
            state = ConditionStatus.PENDING
        if state != ConditionStatus.PENDING:
            if at is None and number == 1:
                at = before_close()  # not reoffending is met only when the contract ends
            elif at is None:
                span = max(7, (cutoff - signed_on).days)
                at = during(signed_on + datetime.timedelta(days=rng.randint(7, span)))
            # As casework.update_condition records it.
            row.update(
                batch.action(actor, at, why), status=state, status_reason=why, evidence=evidence
            )
        row.save()
        conditions.append((f"Condition {number} ({ConditionKind(kind).label.lower()})", state))

    # Milestones from the policy version's schedule, as sign_contract makes them.
    milestones = {}
    done_on = {}
    needs = None
    for step, due in milestone_dates(case.policy.schedule, signed_on):
        row = batch.record(
            Milestone,
            id=next(demo.pools["milestone"]),
            programme_id=programme_id,
            code=step["code"],
            label=step["label"],
            due_on=due,
        )
        row.insert(signing)
        completed_on = None
        if status == P.COMPLETED:
            reached = MilestoneStatus.DONE
            if due >= ends_on:
                completed_on = outcome_on
            else:
                completed_on = due + datetime.timedelta(days=rng.randint(-2, 3))
                completed_on = min(max(completed_on, signed_on), outcome_on)
        elif due < cutoff:
            roll = rng.random()
            overdue_ok = status == P.ACTIVE and (demo.today - due).days <= 21
            if roll < 0.8:
                reached = MilestoneStatus.DONE
                completed_on = due + datetime.timedelta(days=rng.randint(-2, 3))
                completed_on = min(max(completed_on, signed_on), cutoff)
            elif roll < 0.9 and overdue_ok:
                reached = MilestoneStatus.DUE  # overdue: the caseworker's to-do list
            else:
                reached = MilestoneStatus.MISSED
        else:
            reached = MilestoneStatus.DUE
        # As casework.record_milestone records it; the needs assessment milestone is done
        # by recording the entry assessment (below), as record_assessment does.
        if reached == MilestoneStatus.DONE:
            done_on[step["code"]] = completed_on
            if step["code"] == MilestoneKind.NEEDS_ASSESSMENT:
                needs = row
            else:
                row.update(
                    batch.action(caseworker, during(completed_on)),
                    status=reached,
                    completed_on=completed_on,
                )
        elif reached == MilestoneStatus.MISSED:
            why = rng.choice(MISSED_REASONS)
            at = during(due + datetime.timedelta(days=rng.randint(1, 7)))
            row.update(batch.action(caseworker, at, why), status=reached, missed_reason=why)
        if row is not needs:
            row.save()
        milestones[step["code"]] = reached

    appointments(demo, rng, case, programme_id, status, reason, signed_on, cutoff, signing, until)

    # Needs assessed across pathways at entry (which completes the needs-assessment
    # milestone, as record_assessment does), and again at exit on completion.
    if needs is not None:
        entry_on = done_on[MilestoneKind.NEEDS_ASSESSMENT]
        pathways = list(PATHWAY_NEED.items())
        if chance(rng, 0.25 if case.sex == Sex.FEMALE else 0.08):
            pathways.append((Pathway.ABUSE, 0.3))
        exit_on = done_on.get(MilestoneKind.FINAL_REVIEW) if status == P.COMPLETED else None
        entry = batch.action(caseworker, during(entry_on))
        leaving = batch.action(caseworker, during(exit_on)) if exit_on else None
        drugs = case.offence.group in DRUG_GROUPS
        for pathway, p in pathways:
            if pathway == Pathway.DRUGS and drugs:
                p = 0.55
            # Units of need up to the top of the score, each present with chance p.
            score = sum(rng.random() < p for _ in range(PATHWAY_SCORE[1]))
            batch.inserted(
                PathwayAssessment,
                (next(demo.pools["assessment"]), programme_id, AssessmentStage.ENTRY)
                + (pathway, score, "", entry_on),
                entry,
            )
            if leaving is not None:
                left = sum(rng.random() < NEED_KEPT_AT_EXIT for _ in range(score))
                batch.inserted(
                    PathwayAssessment,
                    (next(demo.pools["assessment"]), programme_id, AssessmentStage.EXIT)
                    + (pathway, left, "", exit_on),
                    leaving,
                )
        needs.update(entry, status=MilestoneStatus.DONE, completed_on=entry_on)
        needs.save()
    return conditions, milestones


def appointments(demo, rng, case, programme_id, status, reason, signed_on, cutoff, signing, until):
    """Appointments within the contract (casework: from signing to the end date), booked
    when the contract is signed and recorded once their time has come, each by `until`;
    a closed case's later ones are left out."""
    batch = demo.batch
    ends_on = contract_end(signed_on)
    closed = status in CLOSED
    booking = batch.action(case.caseworker, signing.at)  # add_appointment, once for each
    plan = [(AppointmentKind.ASSESSMENT, signed_on + datetime.timedelta(days=rng.randint(1, 6)))]
    for _ in range(2 if chance(rng, 0.4) else 1):
        plan.append(
            (AppointmentKind.INTERVENTION, signed_on + datetime.timedelta(days=rng.randint(8, 75)))
        )
    for months in (1, 2, 3):
        if chance(rng, 0.7):
            plan.append((AppointmentKind.REVIEW, signed_on + datetime.timedelta(days=30 * months)))
    poor = reason == OutcomeReason.NON_ATTENDANCE

    def book(kind, starts_at, action):
        row = batch.record(
            Appointment,
            id=next(demo.pools["appointment"]),
            programme_id=programme_id,
            kind=kind,
            starts_at=starts_at,
        )
        row.insert(action)
        return row

    def attend(row, starts_at):
        """As casework.record_attendance records it, once the time has come."""
        if demo.local_date(starts_at) < demo.today:
            at = min(starts_at + RECORDED_AFTER, until)
            attendance = pick(rng, ATTENDANCE_POOR if poor else ATTENDANCE)
            row.update(batch.action(case.caseworker, at), took_place=True, attendance=attendance)
        row.save()

    for kind, day in sorted(plan, key=lambda item: item[1]):
        if day > ends_on or (closed and day > cutoff):
            continue
        starts_at = demo.at(day, rng.randint(9, 16), rng.choice((0, 30)))
        if closed and starts_at > until:
            continue
        new_day = day + datetime.timedelta(days=rng.randint(2, 8))
        movable = new_day <= ends_on and not (closed and new_day > cutoff)
        if day < demo.today and movable and chance(rng, 0.05):
            new_at = demo.at(new_day, rng.randint(9, 16), rng.choice((0, 30)))
            requester = rng.choice(REQUESTERS)
            why = rng.choice(RESCHEDULE_REASONS[requester])
            old = book(kind, starts_at, booking)
            # It did not take place, and was moved (casework.reschedule_appointment makes
            # the new appointment and points the old one to it).
            at = max(starts_at, min(starts_at + RECORDED_AFTER, until))
            old.update(batch.action(case.caseworker, at), took_place=False)
            moving = batch.action(case.caseworker, at, why)
            new = book(kind, new_at, moving)
            old.update(
                moving,
                rescheduled_to_id=new["id"],
                reschedule_requested_by=requester,
                reschedule_reason=why,
            )
            old.save()
            if not (closed and new_at > until):
                attend(new, new_at)
            else:
                new.save()
        else:
            attend(book(kind, starts_at, booking), starts_at)
