"""User text in templates (lib.text), available in every template (settings.TEMPLATES):
`{{ value|bdi }}` shows it isolated from the text around it; `{{ value|without_bidi_controls }}`
is for the page's <title>, which cannot hold markup."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from diversion.lib.text import isolated, without_bidi_controls

register = template.Library()


@register.filter
def bdi(value: Any) -> SafeString:
    return isolated(value)


@register.filter(name="without_bidi_controls")
def plain(value: Any) -> str:
    return without_bidi_controls(str(value))
