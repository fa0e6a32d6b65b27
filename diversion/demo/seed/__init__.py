"""The demo data behind `manage.py seed_demo`: fictional people and case histories.

Every decision a case goes through is taken from the domain's own functions, so a rule
changes in one place and the demo follows: eligibility (`policy.eligibility.assess`), the
custody decision and the answer to the offer (`cases.services.referral`), status moves
(each model's `TRANSITIONS`, checked step by step in `workflow.Walk`), contract dates
(`lib.dates.contract_end`), milestones (`cases.services.programme.milestone_dates` over the
policy version's schedule) and outcomes (`completion_problem`, `records_new_offence`).
What is the demo's own is how often things happen and what people write: the weights and
wording in each module.

Modules: `staff` (the demo logins and the force's other staff, in proportion to the
volume), `people`, `referrals`, `programmes` (one referral and what follows it), `context`
(reference data and the clock, loaded once a run), `workflow`, `draw` (weighted choices),
`copy` (rows written with PostgreSQL COPY) and `run` (topping up, then ANALYZE).
"""
