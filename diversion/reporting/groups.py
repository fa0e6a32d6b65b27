"""The groups and windows the dashboard reports by, each defined once: the refresh writes
them into SQL, the panels label their rows with them and the methodology page states them.
"""

import datetime

from diversion.lib.dates import add_months, age_on
from diversion.people.models import ObservedEthnicity, SelfDefinedEthnicity, Sex

NOT_STATED = "Not stated"
WHITE = "White"

# Ethnicity in the aggregate groups the relative rate index compares, as the Ministry of
# Justice's disproportionality work does, with White as the reference group (domain.md,
# Reporting). "Not stated" is a row of its own, never dropped.
OBSERVED_GROUPS: dict[str, list[str]] = {
    WHITE: [ObservedEthnicity.IC1, ObservedEthnicity.IC2],
    "Black": [ObservedEthnicity.IC3],
    "Asian": [ObservedEthnicity.IC4],
    "Chinese, Japanese or South East Asian": [ObservedEthnicity.IC5],
    "Arab or North African": [ObservedEthnicity.IC6],
    NOT_STATED: [ObservedEthnicity.IC0],
}
_SELF = SelfDefinedEthnicity
SELF_DEFINED_GROUPS: dict[str, list[str]] = {
    WHITE: [_SELF.W1, _SELF.W2, _SELF.W9],
    "Mixed or multiple ethnic groups": [_SELF.M1, _SELF.M2, _SELF.M3, _SELF.M9],
    "Asian or Asian British": [_SELF.A1, _SELF.A2, _SELF.A3, _SELF.A9],
    "Black or Black British": [_SELF.B1, _SELF.B2, _SELF.B9],
    "Chinese or any other ethnic group": [_SELF.O1, _SELF.O9],
    NOT_STATED: [_SELF.NS],
}
SEX_GROUPS: dict[str, list[str]] = {
    Sex.FEMALE.label: [Sex.FEMALE],
    Sex.MALE.label: [Sex.MALE],
    NOT_STATED: [Sex.NOT_KNOWN],
}
# Age on the offence date; the scheme is for adults (policy_adults_only).
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("18 to 24", 18, 24),
    ("25 to 34", 25, 34),
    ("35 to 44", 35, 44),
    ("45 to 54", 45, 54),
    ("55 and over", 55, None),
]


def age_band(date_of_birth: datetime.date, on: datetime.date) -> str:
    """The band of AGE_BANDS of someone born on `date_of_birth`, on the day `on` (for a
    referral, its offence date), or NOT_STATED outside every band: the refresh's SQL bands
    ages the same way for the dashboard."""
    age = age_on(date_of_birth, on)
    for band, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return band
    return NOT_STATED


# Domain: reoffending is counted 6, 12 and 24 months after the index date, and a cohort only
# once a further 6-month waiting period has passed, for offences to reach the records.
REOFFENDING_WINDOWS = (6, 12, 24)
WAITING_MONTHS = 6
# The window the policy-versions table compares.
HEADLINE_WINDOW = 12


def mature_to(as_of: datetime.date, window: int) -> datetime.date:
    """The latest index date whose reoffending window and waiting period have both passed
    by `as_of`: index date + window + waiting period before `as_of` (the refresh uses the
    same test in SQL)."""
    day = add_months(as_of, -(window + WAITING_MONTHS))
    while add_months(day, window + WAITING_MONTHS) >= as_of:
        day -= datetime.timedelta(days=1)
    return day
