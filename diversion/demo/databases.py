"""Reaching a database of the demo's own (the benchmarks', the load test's) beside the main one:
a psycopg2 connection to it, and the URL that points manage.py at it (DATABASE_URL)."""

from urllib.parse import quote

import psycopg2


def connect(db, name):
    return psycopg2.connect(
        dbname=name,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        connect_timeout=5,
    )


def database_url(db, name):
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or ""
    if host.startswith("/"):  # a Unix socket directory
        host = quote(host, safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{quote(name, safe='')}"
