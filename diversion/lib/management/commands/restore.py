"""`manage.py restore FILE --into NAME`: a backup (`manage.py backup`) restored into a new
database, never over a live one. Check it, then point DATABASE_URL and DATABASE_OWNER_URL
at it. Its tables belong to the owner role and keep the service role's grants."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diversion.lib.db import run_pg_tool
from diversion.lib.management.commands.ensure_database import ensure


class Command(BaseCommand):
    help = "Restore a backup file into a new database (never over the one in use)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="A file made by manage.py backup.")
        parser.add_argument("--into", required=True, help="The new database to restore into.")

    def handle(self, *args: Any, file: str, into: str, **options: Any) -> None:
        if into == settings.DATABASES["default"]["NAME"]:
            raise CommandError(
                f"{into} is the database in use: restore into a new one, check it, then point "
                "DATABASE_URL at it."
            )
        if not Path(file).is_file():
            raise CommandError(f"No backup file at {file}.")
        made = ensure(
            into,
            admin=settings.DATABASE_ADMIN,
            service=settings.DATABASE_SERVICE,
            owner=settings.DATABASE_OWNER,
        )
        if f"database {into}" not in made:
            raise CommandError(f"Database {into} already exists: restore into a new one.")
        db = {**(settings.DATABASE_OWNER or settings.DATABASES["default"]), "NAME": into}
        # Every object is made as the owner restoring it. Comments on the extensions are
        # left out: only a superuser may set them.
        run_pg_tool(
            "pg_restore",
            db,
            "--no-owner",
            "--no-comments",
            "--exit-on-error",
            "--dbname",
            into,
            file,
        )
        self.stdout.write(f"Restored {file} into {into}")
