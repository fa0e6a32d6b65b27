"""`manage.py backup`: the whole database in one file, in pg_dump's custom format
(compressed, and restorable whole or table by table with `manage.py restore`), read as the
owner role, which may read every table. Schedule it (README: "Backup and restore")."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from diversion.lib.db import run_pg_tool

BACKUPS = settings.BASE_DIR / "backups"


class Command(BaseCommand):
    help = "Back up the database to one file (pg_dump's custom format)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", help="The file to write (default: backups/<database>-<time>.dump)."
        )

    def handle(self, *args: Any, output: str | None = None, **options: Any) -> None:
        db = settings.DATABASE_OWNER or settings.DATABASES["default"]
        stamp = timezone.localtime().strftime("%Y%m%dT%H%M%S")
        path = Path(output) if output else BACKUPS / f"{db['NAME']}-{stamp}.dump"
        path.parent.mkdir(parents=True, exist_ok=True)
        run_pg_tool("pg_dump", db, "--format=custom", f"--file={path}", db["NAME"])
        self.stdout.write(f"Backed up {db['NAME']} to {path} ({path.stat().st_size:,} bytes)")
