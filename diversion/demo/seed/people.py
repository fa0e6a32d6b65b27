"""Fictional people: invented names, Ofcom's drama telephone range (07700 900xxx), e-mail
addresses at example.com (RFC 2606) and PNC IDs with a valid check letter."""

import datetime
import functools

from diversion.demo.seed.draw import chance, pick, weighted
from diversion.people.models import ObservedEthnicity, Person, SelfDefinedEthnicity, Sex
from diversion.people.names import normalise_name, sound_key
from diversion.people.pnc import check_letter

# A referral may be a repeat arrest of the person in one of this many earlier referrals.
REPEAT_WINDOW = 500
REPEAT_SHARE = 0.18
# A repeat arrest comes at least this long after the person's previous offence.
REPEAT_GAP = datetime.timedelta(days=30)
# PNC serials: index * PNC_MULTIPLIER mod PNC_MODULUS is a bijection, so serials never repeat.
PNC_MULTIPLIER, PNC_MODULUS = 7_368_787, 9_999_999

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


class Someone:
    """The person a referral is about: someone already recorded, or a new person whose row
    is written only if the referral is (see commit)."""

    def __init__(self, person_id, born, sex, values=None):
        self.id, self.born, self.sex, self.values = person_id, born, sex, values

    def commit(self, demo, actor):
        """The person's id; a new person is added by `actor`, as create_person adds them."""
        if self.values is not None:
            self.id = next(demo.pools["person"])
            batch = demo.batch
            record = batch.record(Person, id=self.id, **self.values)
            batch.people.append((record, batch.action(actor, self.values["created_at"])))
            batch.counts["people"] += 1
        return self.id


def person_for(demo, rng, index, offence_date, arrested_at, outside_area):
    """A repeat arrest of someone from an earlier referral, or a new person."""
    if chance(rng, REPEAT_SHARE):
        earlier = demo.window.get(index - rng.randint(1, REPEAT_WINDOW))
        if earlier and earlier[2] + REPEAT_GAP <= offence_date:
            person_id, born, _, sex = earlier
            return Someone(person_id, born, sex)
    return new_person(demo, rng, index, offence_date, arrested_at, outside_area)


def new_person(demo, rng, index, offence_date, arrested_at, outside_area):
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
    pnc = None
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
    created = demo.cap(arrested_at + datetime.timedelta(minutes=30))
    values = {
        "given_names": given,
        "family_name": family,
        "date_of_birth": born,
        "sex": sex,
        "observed_ethnicity": observed,
        "self_defined_ethnicity": self_defined,
        "pnc_id": pnc,
        "postcode_district": district,
        "phone": phone,
        "email": email,
        "given_names_key": given_key,
        "family_name_key": family_key,
        "given_names_sound": given_sound,
        "family_name_sound": family_sound,
        "created_at": created,
        "updated_at": created,
    }
    return Someone(None, born, sex, values)
