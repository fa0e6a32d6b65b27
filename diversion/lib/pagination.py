from typing import TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

M = TypeVar("M", bound=Model)

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: QuerySet[M], per_page: int = PAGE_SIZE) -> Page[M]:
    """One page of `queryset` from the `page` query value; a bad or past-the-end page number
    shows the nearest real page instead of an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
