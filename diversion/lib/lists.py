"""One list component for every list page: filters in a GET form (django-filter), a table
(django-tables2) sorted by its column headings, keyset pagination and a capped count.

Keyset ("seek") pagination: a page after the first starts after (or before) a row named in
the address by its primary key, and reads only the rows whose sort key comes next, so
PostgreSQL walks the sort's index from that point and the thousandth page costs what the
first does (OFFSET reads and throws away every row before the page). The named row's sort
key is read back from the list itself, so the address carries no personal data (a name key)
and cannot be made to name anything but a row the user may see.

The count stops at COUNT_CAP: past it the page says "more than 1,000", rather than counting
a million rows on every page.
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import django_filters
import django_tables2 as tables
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Size
from django import forms
from django.db.models import BooleanField, F, Func, QuerySet, Value
from django.db.models.expressions import Combinable
from django.dispatch import Signal
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from diversion.lib.dates import local_datetime
from diversion.lib.db import parse_pk
from diversion.lib.forms import GovukDateField, GovukForm, form_helper
from diversion.lib.text import isolated

PAGE_SIZE = 25
COUNT_CAP = 1000
# The `page` values a link can carry: the first page, and the last (read backwards).
FIRST, LAST = "1", "last"

STALE_LINK = (
    "The link to that page of the list could not be used (the list may have changed since), "
    "so this is its first page."
)
NUMBERED_PAGE = "This list no longer opens at a page number, so this is its first page."

# Sent with the request and the rows of each list page read, so that showing them is logged
# (audit.consultation: DPA 2018 s62) without any list page having to remember to.
rows_shown = Signal()


class Sort:
    """One order of a list: the expressions it sorts by ascending, and optionally others to
    sort by descending, so that a missing value can sort last both ways. None may be NULL
    (coalesce a nullable column): a row's place in the list is found by comparing them. The
    primary key is added last, so that no two rows tie and pages never overlap.

    An `inverted` sort runs against its keys: its column's values fall as the keys rise (a
    wait, measured from when an item joined its queue), so the column ascending reads the
    keys descending, and its heading's aria-sort tells the truth about what it shows."""

    def __init__(
        self,
        *ascending: str | Combinable,
        descending: Sequence[str | Combinable] | None = None,
        inverted: bool = False,
    ) -> None:
        self.ascending = [F(key) if isinstance(key, str) else key for key in ascending]
        self.descending = (
            [F(key) if isinstance(key, str) else key for key in descending]
            if descending
            else self.ascending
        )
        self.inverted = inverted

    def keys(self, descending: bool) -> list[Combinable]:
        """The keys to read in descending (or ascending) order."""
        return self.descending if descending else self.ascending


class Row(Func):
    """A PostgreSQL row value, ROW(a, b, c), to compare sort keys in one step."""

    function = "ROW"
    output_field = BooleanField()


class Beyond(Func):
    """ROW(keys) > ROW(values), or < going backwards: the rows after a given one in a sort
    order. PostgreSQL turns a row comparison into one index condition on the sort's index."""

    template = "(%(expressions)s)"
    output_field = BooleanField()

    def __init__(
        self,
        keys: Sequence[Any],
        values: Sequence[Any],
        *,
        backwards: bool,
        inclusive: bool = False,
    ) -> None:
        super().__init__(Row(*keys), Row(*values))
        self.arg_joiner = (" <" if backwards else " >") + ("= " if inclusive else " ")


# A column of text people typed (a name, a reason): a long word in it breaks anywhere rather
# than widen the table (static/scss/_lists.scss).
USER_TEXT = {"td": {"class": "app-user-text"}}


class ListTable(tables.Table):
    """A table of one list page. `sorts` names the columns that can be sorted by and how;
    `row_testid` gives each row a test id of that prefix and the record's key."""

    sorts: dict[str, Sort] = {}
    row_testid = ""
    # GOV.UK's smaller table text, for wide tables.
    small = False

    class Meta:
        orderable = False
        template_name = "lib/table.html"


class UserTextColumn(tables.Column):
    """A column of text people typed (a person's name), isolated from the page around it
    (lib.text), and broken anywhere on a narrow screen (USER_TEXT)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", USER_TEXT)
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> SafeString:
        return isolated(value)


class FilterSelect(forms.Select):
    """A select of one filter value, its options written in one loop of the project's own
    template rather than an included template each: a force's hundreds of caseworkers
    made the caseload's filter panel most of the page's cost."""

    template_name = "lib/filter_select.html"

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> str:
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 - escaped by the template


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes for a filter: the values that are choices, without the ones that are not
    (the list names those as left out, rather than failing the whole page)."""

    widget = forms.CheckboxSelectMultiple

    def clean(self, value: Any) -> list[str]:
        values = self.to_python(value)
        return list(dict.fromkeys(v for v in values if v and self.valid_value(v)))


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """A filter of checkboxes, any of which may be ticked; unknown values are left out."""

    field_class = LenientMultipleChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Any]:
        # One IN (...), with no DISTINCT: the lists' rows are never repeated by a filter.
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class DateFilter(django_filters.Filter):
    """A filter of one day, as a GOV.UK date input in the filter panel: the rows of
    `field_name` (a moment) on or after the start of that day (`until=False`), or before
    the end of it (`until=True`), in the service's time zone. Compared as moments, not as
    dates, so that the list's index on the moment serves it."""

    field_class = GovukDateField

    def __init__(self, *args: Any, until: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("name", str(kwargs.get("label", "date")).lower())
        super().__init__(*args, **kwargs)
        self.until = until

    def filter(self, qs: QuerySet[Any], value: datetime.date | None) -> QuerySet[Any]:
        if value is None:
            return qs
        if self.until:
            # The day's last microsecond (PostgreSQL's precision), rather than "before the
            # next day", which the last day there is does not have.
            end = local_datetime(value, datetime.time.max)
            return qs.filter(**{f"{self.field_name}__lte": end})
        start = local_datetime(value, datetime.time.min)
        return qs.filter(**{f"{self.field_name}__gte": start})


def date_params(name: str, value: datetime.date | None) -> dict[str, Any]:
    """A date filter's value as the GOV.UK date input sends it (`name_0` the day, `name_1`
    the month, `name_2` the year), or nothing."""
    if value is None:
        return {}
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


class ListFilters(django_filters.FilterSet):
    """A list's filters, rendered as the MoJ filter panel: each ChoicesFilter a group of
    checkboxes, or a select of one value when it has more than SELECT_OVER choices (a
    force's hundreds of caseworkers would make a list of checkboxes too long to use, and
    to render); each DateFilter a date input; a filter named `q`, if any, is the search
    box above the table."""

    SEARCH = "q"
    SELECT_OVER = 12

    class Meta:
        form = GovukForm

    @cached_property
    def search_helper(self) -> FormHelper | None:
        if self.SEARCH not in self.form.fields:
            return None
        return form_helper(
            Field.text(
                self.SEARCH, label_size=Size.SMALL, field_width=Fluid.TWO_THIRDS, spellcheck="false"
            )
        )

    @cached_property
    def filter_helper(self) -> FormHelper:
        return form_helper(
            *(
                Field(name, legend_size=Size.SMALL)
                if isinstance(form_field, GovukDateField)
                else self._panel_field(name, form_field)
                for name, form_field in self.form.fields.items()
                if isinstance(form_field, LenientMultipleChoiceField | GovukDateField)
            )
        )

    def _panel_field(self, name: str, form_field: LenientMultipleChoiceField) -> Field:
        # The stubs type a field's choices as any accepted input, not the list Django keeps.
        choices: list[tuple[str, str]] = list(form_field.choices)  # type: ignore[arg-type]
        if len(choices) <= self.SELECT_OVER:
            return Field.checkboxes(name, legend_size=Size.SMALL, small=True)
        # One value at a time; the field still takes it as a list of one.
        form_field.widget = FilterSelect(choices=[("", "Any"), *choices])  # type: ignore[assignment]
        return Field.select(name, label_size=Size.SMALL)


class ListPage:
    """One page of a list, as its template shows it.

    `queryset` is the list: the records the user may see, narrowed to the page's own choice
    (a tab, say) and by `filters`, a bound ListFilters (optional) whose field `q`, if any, is
    the search. `keep` holds query values that belong to the page
    (such as the tab), kept in every link. `ignored` lists, for the page to show, the parts
    of the address that could not be used; `notes` says why a page was not the one asked for.
    `prefix` starts the names of the list's sort and page values in the address, so that a
    second list, without filters, can share a page with another (each list's links then
    start the other at its first page).
    """

    SEARCH = ListFilters.SEARCH

    def __init__(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        table_class: type[ListTable],
        default_sort: str,
        filters: ListFilters | None = None,
        keep: Mapping[str, Any] | None = None,
        noun: tuple[str, str] = ("record", "records"),
        empty: str = "There is nothing to show.",
        filtered_empty: str | None = None,
        page_size: int = PAGE_SIZE,
        cap: int = COUNT_CAP,
        prefix: str = "",
    ) -> None:
        self.query = request.GET
        self.prefix = prefix
        self.filters = filters
        self.keep = dict(keep or {})
        self.noun = noun
        self.page_size = page_size
        self.cap = cap
        self.ignored: list[str] = []
        self.notes: list[str] = []
        self.sorts = table_class.sorts
        self.sort = self._read_sort(default_sort)
        self.filtered = self._filter_values()
        if any(self.filtered.values()):
            empty = filtered_empty or f"No {noun[1]} match the search and filters."
        self.empty_message = empty
        self.queryset = queryset
        self.count = capped_count(queryset, cap)
        self.rows, self.has_previous, self.has_next = self._read_page(queryset)
        rows_shown.send(sender=ListPage, request=request, rows=self.rows)
        self.table = table_class(self.rows)
        # For the table's template, which django-tables2 renders with the table alone.
        self.table.listing = self

    # --- Reading the address ----------------------------------------------------------

    def _read_sort(self, default: str) -> str:
        asked = self.query.get(self._name("sort"))
        if asked is not None and asked.lstrip("-") in self.sorts and asked.count("-") <= 1:
            self.chosen_sort = asked
            return asked
        if asked:
            self.ignored.append("sort order")
        self.chosen_sort = ""
        return default

    def _filter_values(self) -> dict[str, Any]:
        """Each filter's values in use (a list, the search text, or a date or None), in the
        form's order; values that are not choices are named in `ignored`, and a date in
        error is left out (the form says why, next to it)."""
        if self.filters is None:
            return {}
        form = self.filters.form
        form.is_valid()
        values = {}
        for name, form_field in form.fields.items():
            value = form.cleaned_data.get(name)
            if isinstance(form_field, GovukDateField):
                values[name] = value
                continue
            if isinstance(form_field, LenientMultipleChoiceField):
                value = value or []
                if set(self.query.getlist(name)) - set(value) - {""}:
                    # Every filter is labelled; the name stands in for one that is not.
                    self.ignored.append((form_field.label or name).lower())
            values[name] = value or (
                [] if isinstance(form_field, forms.MultipleChoiceField) else ""
            )
        return values

    # --- Reading the rows -------------------------------------------------------------

    def _read_page(self, queryset: QuerySet[Any]) -> tuple[list[Any], bool, bool]:
        """The page's rows, and whether there are pages before and after it."""
        sort = self.sorts[self.sort.lstrip("-")]
        # The order the keys are read in: the column's own, or against it (Sort.inverted).
        descending = self.sort.startswith("-") != sort.inverted
        keys = sort.keys(descending)
        names = [f"_sort_{n}" for n in range(len(keys))]
        annotated = queryset.annotate(**dict(zip(names, keys, strict=True)))
        key_fields = [annotated.query.annotations[name].output_field for name in names]
        columns = [F(name) for name in names] + [F("pk")]
        self._order = annotated, columns, descending

        def read(backwards: bool, after: Sequence[Any] | None = None) -> tuple[list[Any], bool]:
            """Up to a page and one more row, forwards or backwards in the list's order,
            starting after the row whose sort key is `after`."""
            reverse = backwards != descending
            rows = annotated
            if after is not None:
                values = [
                    Value(value, output_field=output)
                    for value, output in zip(after, [*key_fields, None], strict=True)
                ]
                rows = rows.filter(Beyond(columns, values, backwards=reverse))
                # The same without the primary key, and inclusive: redundant, but when the
                # sort's keys are another table's (the person's name, say), PostgreSQL can
                # seek that table's index with it, where the full comparison mixes tables.
                rows = rows.filter(
                    Beyond(columns[:-1], values[:-1], backwards=reverse, inclusive=True)
                )
            order = [c.desc() if reverse else c.asc() for c in columns]
            found = list(rows.order_by(*order)[: self.page_size + 1])
            more = len(found) > self.page_size
            found = found[: self.page_size]
            return (found[::-1] if backwards else found), more

        page = self.query.get(self._name("page"), FIRST)
        after, before = self.query.get(self._name("after")), self.query.get(self._name("before"))
        cursor = after or before
        if cursor:
            start = self._cursor(annotated, names, cursor)
            if start is not None:
                rows, more = read(backwards=bool(before), after=start)
                # Near the start, a page read backwards is short: show the first page whole.
                if rows and (after or more or len(rows) == self.page_size):
                    return (rows, True, more) if after else (rows, more, True)
        elif page == LAST:
            rows, more = read(backwards=True)
            return rows, more, False
        elif page != FIRST:
            self.notes.append(NUMBERED_PAGE)
        rows, more = read(backwards=False)
        return rows, False, more

    def ordered(self) -> QuerySet[Any]:
        """The whole list in its order (for a benchmark's deep page, say)."""
        annotated, columns, descending = self._order
        return annotated.order_by(*[c.desc() if descending else c.asc() for c in columns])

    def _cursor(
        self, annotated: QuerySet[Any], names: Sequence[str], pk: str
    ) -> tuple[Any, ...] | None:
        """The sort key of the row `pk` of the list (its sort values and primary key), or
        None, with a note, if there is no such row (an altered link, or a row gone)."""
        number = parse_pk(pk)
        values = None
        if number is not None:
            values = annotated.order_by().filter(pk=number).values_list(*names, "pk").first()
        if values is None:
            self.notes.append(STALE_LINK)
        return values

    # --- Links ------------------------------------------------------------------------

    PAGING = ("sort", "page", "after", "before")

    def _name(self, name: str) -> str:
        """The name in the address of the list's own value `name` (sort, page, after or
        before)."""
        return self.prefix + name

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query values in use, in a steady order (the page's own, the search, the
        sort, the filters), with `changes` applied; an empty value is left out."""
        params = dict(self.keep)
        filtered = {**self.filtered, **{k: v for k, v in changes.items() if k in self.filtered}}
        if self.SEARCH in filtered:
            params[self.SEARCH] = filtered[self.SEARCH]
        params[self._name("sort")] = self.chosen_sort
        for name, value in filtered.items():
            if self._is_date(name):
                params.update(date_params(name, value))
            elif name != self.SEARCH:
                params[name] = value
        params.update(
            (self._name(k) if k in self.PAGING else k, v)
            for k, v in changes.items()
            if k not in self.filtered
        )
        return {name: value for name, value in params.items() if value}

    def _is_date(self, name: str) -> bool:
        return self.filters is not None and isinstance(
            self.filters.form.fields.get(name), GovukDateField
        )

    def _param_names(self, name: str) -> list[str]:
        """The names in the address of the filter `name`'s value."""
        return [f"{name}_{part}" for part in range(3)] if self._is_date(name) else [name]

    def url(self, **changes: Any) -> str:
        return "?" + urlencode(self.params(**changes), doseq=True)

    def hidden(self, *names: str) -> list[tuple[str, Any]]:
        """(name, value) pairs of `names` in use, for a form that keeps them."""
        pairs = []
        for name, value in self.params().items():
            if name in names:
                pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
        return pairs

    def filter_hidden(self) -> list[tuple[str, Any]]:
        """What the filter panel's form keeps: the page's own values, the sort, the search."""
        return self.hidden(*self.keep, self._name("sort"), self.SEARCH)

    def search_hidden(self) -> list[tuple[str, Any]]:
        """What the search form keeps: the page's own values, the sort and the filters."""
        filter_names = (p for n in self.filtered if n != self.SEARCH for p in self._param_names(n))
        return self.hidden(*self.keep, self._name("sort"), *filter_names)

    def headings(self) -> list[dict[str, Any]]:
        """The table's headings in order. A sortable one has its aria-sort and a link that
        sorts by it: ascending first, the other way when it is already sorted ascending."""
        current, descending = self.sort.lstrip("-"), self.sort.startswith("-")
        headings = []
        for column in self.table.columns:
            heading = {"label": column.header}
            if column.name in self.sorts:
                if column.name == current:
                    heading["aria_sort"] = "descending" if descending else "ascending"
                    sort = column.name if descending else f"-{column.name}"
                else:
                    heading["aria_sort"], sort = "none", column.name
                heading["href"] = self.url(sort=sort)
            headings.append(heading)
        return headings

    def selected_filters(self) -> list[dict[str, Any]]:
        """MoJ filter tags: each filter value in use, with a link that removes it."""
        categories = []
        for name, values in self.filtered.items():
            if name == self.SEARCH or not values:
                continue
            # A filter's values are in use only where the list has filters.
            assert self.filters is not None
            form_field = self.filters.form.fields[name]
            if isinstance(values, datetime.date):
                items = [{"text": date_format(values, "j F Y"), "href": self.url(**{name: None})}]
                categories.append({"heading": form_field.label, "items": items})
                continue
            labels = dict(form_field.choices)
            items = [
                {
                    "text": labels.get(value, value),
                    "href": self.url(**{name: [v for v in values if v != value]}),
                }
                for value in values
            ]
            categories.append({"heading": form_field.label, "items": items})
        return categories

    def clear_url(self) -> str:
        return self.url(**{name: None for name in self.filtered if name != self.SEARCH})

    def pages(self) -> dict[str, str | None]:
        """Links to the first, previous, next and last pages, where there are such pages."""
        # A page with pages on either side is never empty.
        return {
            "first": self.url() if self.has_previous else None,
            "previous": self.url(before=self.rows[0].pk) if self.has_previous else None,
            "next": self.url(after=self.rows[-1].pk) if self.has_next else None,
            "last": self.url(page=LAST) if self.has_next else None,
        }

    # --- What the page says -----------------------------------------------------------

    @property
    def more_than_cap(self) -> bool:
        return self.count > self.cap

    def count_text(self) -> str:
        return count_text(self.count, self.noun, self.cap)


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """How many rows `queryset` has, counting no further than one past `cap`."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def count_text(count: int, noun: tuple[str, str], cap: int = COUNT_CAP) -> str:
    """ "3 cases", or "More than 1,000 cases" past the cap (a count from capped_count)."""
    singular, plural = noun
    if count > cap:
        return f"More than {cap:,} {plural}"
    return f"{count:,} {singular if count == 1 else plural}"
