"""The access log's table (lib.lists)."""

import django_tables2 as tables

from diversion.audit.models import AccessLogEntry
from diversion.lib.lists import USER_TEXT, ListTable, Sort


class AccessLogTable(ListTable):
    when = tables.DateTimeColumn(accessor="at", verbose_name="When", format="j M Y H:i:s")
    actor = tables.Column(verbose_name="Who", attrs=USER_TEXT)
    action = tables.Column(verbose_name="Action")
    record = tables.Column(accessor="record_type", verbose_name="Record")
    detail = tables.Column(verbose_name="Detail", empty_values=(), attrs=USER_TEXT)

    caption = "Access log"
    sorts = {"when": Sort("at")}

    def render_record(self, record: AccessLogEntry) -> str:
        return f"{record.record_type} {record.record_id}"

    def render_detail(self, record: AccessLogEntry) -> str:
        return f"{record.detail} – {record.reason}" if record.reason else record.detail
