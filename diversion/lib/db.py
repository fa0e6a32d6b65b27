"""Small SQL expressions shared by models."""

from django.db import models


class LondonToday(models.Func):
    """Today's date in the service's time zone, for CHECK constraints: a bare date compared
    with now() would be judged by the UTC date, a day out in the first hour of summer days."""

    template = "(now() AT TIME ZONE 'Europe/London')::date"
    output_field = models.DateField()

    def __init__(self) -> None:
        super().__init__()
