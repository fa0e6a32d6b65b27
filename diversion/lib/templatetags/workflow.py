"""`{% status_tag record %}`: a record's status as a GOV.UK tag, in the words and colour its
model gives it (lib.workflow.label and tag_colour), so no template spells out statuses."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from diversion.lib.workflow import label, tag_colour

register = template.Library()


@register.simple_tag
def status_tag(record: Any, status: str | None = None) -> SafeString:
    """The tag for `status`, by default the record's own; `record` may also be the model."""
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        tag_colour(record, status),
        label(record, status),
    )
