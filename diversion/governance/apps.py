from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Information governance over whole records: the retention review and subject access
    (DPA 2018 s45). Above the case files, because it reads and erases all of them."""

    name = "diversion.governance"
    label = "governance"
