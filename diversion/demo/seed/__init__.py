"""The demo data behind `manage.py seed_demo`: fictional people and case histories.

Every decision a case goes through is taken from the domain's own functions, so a rule
changes in one place and the demo follows: eligibility (`policy.eligibility.assess`), the
custody decision and the answer to the offer (`cases.services.referral`), status moves
(each model's `TRANSITIONS`, checked step by step in `workflow.Walk`), contract dates
(`cases.models.contract_end`), milestones (`cases.services.programme.milestone_dates` over the
policy version's schedule) and outcomes (`completion_blockers`, `records_new_offence`).
Each change is written to the change history as the service that makes it would record it
(who, when, why, and the row after the change), so the case timeline and the referral's
status history read the demo data as they read real work. What is the demo's own is how
often things happen and what people write: the weights and wording in each module.

Modules: `staff` (the demo logins and the force's other staff, in proportion to the
volume), `people`, `referrals`, `programmes` (one referral and what follows it), `context`
(reference data and the clock, loaded once a run), `workflow`, `draw` (weighted choices),
`copy` (rows and their history written with PostgreSQL COPY) and `run` (topping up, then ANALYZE).
"""
