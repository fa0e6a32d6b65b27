from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page=PAGE_SIZE):
    """One page of `queryset` from the `page` query value; a bad or past-the-end page number
    shows the nearest real page instead of an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
