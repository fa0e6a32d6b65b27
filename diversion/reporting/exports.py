"""The dashboard's downloads as CSV: a panel's tables with the same suppression as the page
(the cells' text), after header lines naming what the figures cover. Every download is a
disclosure under DPA 2018 s62 and is logged with its recipient."""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format

from diversion.accounts.models import User
from diversion.audit.models import AccessLogEntry, Action
from diversion.audit.services import log
from diversion.reporting.figures import Panel
from diversion.reporting.forms import Filters
from diversion.reporting.models import Refresh

# OWASP's advice on CSV injection: a spreadsheet may run a cell that starts with one of these
# as a formula, so such a cell is written after an apostrophe, which makes it text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets read a UTF-8 file as UTF-8 (and the symbols' "–" as itself) only after this.
BYTE_ORDER_MARK = "\ufeff"
DETAIL_MAX = AccessLogEntry._meta.get_field("detail").max_length or 200

Line = Sequence[object]


def safe_cell(value: object) -> str:
    """A cell's text as written to a CSV file: one a spreadsheet would run as a formula is
    made text with a leading apostrophe."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(lines: Iterable[Line]) -> str:
    """`lines` as CSV, every cell through safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([safe_cell(cell) for cell in line])
    return buffer.getvalue()


def attachment(lines: Iterable[Line], file_name: str) -> HttpResponse:
    """`lines` as a CSV file to save (like every signed-in page, never cached on the way:
    accounts.middleware.NoStoreMiddleware)."""
    response = HttpResponse(
        BYTE_ORDER_MARK + csv_text(lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def moment_text(moment: datetime.datetime) -> str:
    """A moment as the pages show it: "3 March 2025, 14:05", in the service's time zone."""
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def moment_stamp(moment: datetime.datetime) -> str:
    """A moment in a file name: ``2025-03-03-1405``."""
    return f"{timezone.localtime(moment):%Y-%m-%d-%H%M}"


def shorten(text: str, limit: int = DETAIL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def panel_file_name(panel: Panel, filters: Filters, as_of: datetime.datetime) -> str:
    return f"checkpoint-{panel.slug}_{filters.slug()}_as-of-{moment_stamp(as_of)}.csv"


def panel_lines(
    panel: Panel,
    filters: Filters,
    as_of: datetime.datetime,
    symbols: Sequence[tuple[str, str]],
) -> list[Line]:
    """The file: what it covers (title, "as of", each filter, any left out, the key to
    `symbols`), a blank line, then each table's caption, head and rows (and notes), a blank
    line between tables."""
    lines: list[Line] = [[panel.title], [f"Figures as of {moment_text(as_of)}"]]
    lines += [[label, value] for label, value in filters.describe()]
    if filters.left_out:
        lines.append(["Filters left out, being in error", ", ".join(filters.left_out)])
    lines += [[f"Symbol {mark}", meaning] for mark, meaning in symbols]
    for table in panel.tables:
        lines += [[], [table.caption], table.head]
        lines += [[cell.text for cell in row] for row in table.rows]
        lines += [[f"Note: {note}"] for note in table.notes]
    lines += [[f"Note: {note}"] for note in panel.notes]
    return lines


def panel_detail(panel: Panel, filters: Filters) -> str:
    """The access log's words for a panel's download: the panel and the filters, no more
    than the log holds ("dashboard export: funnel; Custody suite: Northgate …")."""
    parts = [f"dashboard export: {panel.slug}"]
    parts += [f"{label}: {value}" for label, value in filters.describe()]
    if filters.left_out:
        parts.append(f"left out: {', '.join(filters.left_out)}")
    return shorten("; ".join(parts))


def disclose_panel(
    actor: User,
    refreshed: Refresh,
    panel: Panel,
    filters: Filters,
    *,
    recipient: str,
    reason: str = "",
) -> None:
    """Log the download as a disclosure of the figures it comes from (DPA 2018 s62: a
    disclosure's log names its recipients)."""
    log(
        actor,
        Action.DISCLOSURE,
        refreshed,
        detail=panel_detail(panel, filters),
        reason=reason,
        recipient=recipient,
    )
