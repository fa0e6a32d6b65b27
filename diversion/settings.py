"""Settings for the Checkpoint diversion tracker.

Every value that differs between deployments comes from the environment (or a git-ignored
`.env` file beside manage.py); `.env.example` documents each one.
"""

from pathlib import Path

import environ
import pghistory
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from diversion.lib import database_server

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# A demonstration copy, with the demo data and its published sign-in details: the demo
# commands (diversion.demo.guard) run only here or with DEBUG. Never true in production.
DEMO = env.bool("DEMO", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = "insecure-development-key"  # noqa: S105 - only ever with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "csp",
    "crispy_forms",
    "crispy_forms_gds",
    "django_filters",
    "django_tables2",
    # Two-factor sign-in: an authenticator app's codes (TOTP) and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "pghistory",
    "axes",
    "diversion.lib",
    "diversion.accounts",
    "diversion.audit",
    "diversion.policy",
    "diversion.people",
    "diversion.cases",
    "diversion.reporting",
    "diversion.governance",
    "diversion.demo",
]

MIDDLEWARE = [
    # First, so its line times the whole request.
    "diversion.lib.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Which device, if any, confirmed the signed-in user's second factor this session; then
    # ours sends anyone not yet confirmed to the two-factor pages, before any role check.
    "django_otp.middleware.OTPMiddleware",
    "diversion.accounts.two_factor.middleware.TwoFactorRequiredMiddleware",
    "diversion.accounts.middleware.RoleRequiredMiddleware",
    "diversion.accounts.middleware.NoStoreMiddleware",
    # Logs what each page shows, and each refused attempt (DPA 2018 s62).
    "diversion.audit.consultation.ConsultationMiddleware",
    # Records the signed-in user (and the path) with every change a request makes; services
    # name their actor and reason themselves (diversion.lib.history).
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a session that has run out is ended with a message saying why.
    "diversion.accounts.sessions.SessionLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into the sign-in page's message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "diversion.urls"
WSGI_APPLICATION = "diversion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "diversion.accounts.context_processors.navigation",
            ],
            # `|bdi`, for user text in every template (lib.text).
            "builtins": ["diversion.lib.templatetags.text"],
        },
    },
]

# Least privilege (DPA 2018 s62 and s66: the logs, and the data, protected against change):
# the running service connects as the service role, which may read and write the records
# but never change a log or a history table, nor the schema; the owner role owns the schema
# and runs the migrations (diversion.lib.management.commands.migrate) and the grants after
# them (diversion.audit.privileges). Left unset, DATABASE_OWNER_URL makes DATABASE_URL's
# role do both, as one role. The administrator (a superuser) only makes the roles and the
# database where they are missing (manage.py ensure_database).
DATABASES = {"default": env.db("DATABASE_URL", default=database_server.DEFAULT_DATABASE_URL)}
# The service role's connection as DATABASE_URL gives it, kept apart from the default
# connection, which migrate (and the test suite) point at the owner.
DATABASE_SERVICE = dict(DATABASES["default"])
DATABASE_OWNER = env.db("DATABASE_OWNER_URL") if env("DATABASE_OWNER_URL", default="") else None
if DATABASE_OWNER and DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]:
    raise ImproperlyConfigured("DATABASE_OWNER_URL must name DATABASE_URL's database.")
DATABASE_ADMIN = env.db(
    "DATABASE_ADMIN_URL",
    default=database_server.default_admin_url(
        DATABASES["default"]["HOST"], DATABASES["default"]["PORT"]
    ),
)
# A request either writes everything or nothing.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# A streaming replica of the same database, the reporting copy: the dashboards and their
# downloads read it (reporting.replica), so reports never load the main database. Every
# transaction on it is read-only, even where the server would allow a write; it takes no
# part in a request's transaction; it is never migrated (it replays the main database's
# changes), and a test run makes no database for it. Unset, there is no copy, no router,
# and every read is the main database's.
if env("REPLICA_DATABASE_URL", default=""):
    _replica = env.db("REPLICA_DATABASE_URL")
    _options = _replica.setdefault("OPTIONS", {})
    _options["options"] = " ".join(
        filter(None, [_options.get("options"), "-c default_transaction_read_only=on"])
    )
    _replica.update(ATOMIC_REQUESTS=False, TEST={"MIRROR": "default"})
    DATABASES["replica"] = _replica  # reporting.replica.REPLICA
    DATABASE_ROUTERS = ["diversion.reporting.replica.ReplicaRouter"]
# Each worker keeps its connections between requests (a new one costs the database server
# a process and its caches, more than many pages' queries), checked before a request reuses
# one, so one broken by a database restart is replaced, not failed on. 0 closes them after
# every request (behind a connection pooler, say).
for _database in DATABASES.values():
    _database.update(
        CONN_MAX_AGE=env.int("DATABASE_CONN_MAX_AGE", default=300), CONN_HEALTH_CHECKS=True
    )
# Each worker's own memory, for drawn dashboard panels (templates/reporting/home.html):
# keyed by the figures they show, so never out of date, and bounded (a panel set is a few
# hundred KB). Aggregates only: no personal data is ever cached.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 100},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes (accounts.lockout) counts failed sign-ins first; Django's own backend checks
# the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins in a row lock the account, whatever address they came from, until an
# administrator unlocks it (README: "Locked accounts"); a sign-in resets the count.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns when the address is not counted, for lockouts keyed on a browser or cookie that
# an attacker can change; a count kept for the account cannot be got round that way.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_COOLOFF_TIME = None
AXES_RESET_ON_SUCCESS = True
# Tries while locked are refused without being counted (so they are not stored either).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The username a failure is counted against, never a stranger's guess as typed.
AXES_USERNAME_CALLABLE = "diversion.accounts.lockout.username_for"
# The same client address as the security log's.
AXES_CLIENT_IP_CALLABLE = "diversion.lib.net.client_address"
# The sign-in page itself says the account is locked (accounts.forms.SignInForm).
AXES_LOCKOUT_CALLABLE = "diversion.accounts.lockout.sign_in_page"
# Sign-ins are in the security log (audit.security); axes keeps only the counts it needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A session ends after SESSION_IDLE_SECONDS without a request, and SESSION_MAX_SECONDS after
# sign-in however busy it is (accounts.sessions), and when the browser closes. The stored
# session's own expiry is the longest it can live, so `clearsessions` removes the rest.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_MAX_SECONDS = env.int("SESSION_MAX_SECONDS", default=10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Served over HTTPS (the default unless DEBUG): cookies only over HTTPS, plain HTTP
# redirected, and browsers told to use HTTPS only for a year (HSTS). Behind a proxy that
# ends TLS, the proxy says the original scheme in X-Forwarded-Proto (set TRUST_PROXY_HTTPS
# only when the proxy always sets or overwrites it, or a client could claim HTTPS). The
# load balancer's health check may come over plain HTTP.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Consent to browsers' HSTS preload lists; the force submits its domain, or not.
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("TRUST_PROXY_HTTPS", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Two-factor sign-in. Required of everyone unless turned off (it is off by default only with
# DEBUG, for local development): a user without an authenticator must set one up before
# anything else. When off, setting one up is offered but optional; a user who has one is
# still asked for its code.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
# The admin site never shows an authenticator's key once it is set.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): everything from the service itself, nothing
# inline. The one inline script (base.html, which marks the page as having JavaScript before
# it is drawn) carries the request's nonce. Charts are inline SVG with classes, not styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): the service uses no device features, so
# no page, nor anything a page could be tricked into loading, may ask for them.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# GOV.UK and MoJ Frontend come from npm at setup; their built files are served from
# node_modules, never committed. Both packages' images and fonts share /static/assets/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules/govuk-frontend/dist/govuk"),
    ("moj", BASE_DIR / "node_modules/@ministryofjustice/frontend/moj"),
    ("assets", BASE_DIR / "node_modules/govuk-frontend/dist/govuk/assets"),
    ("assets", BASE_DIR / "node_modules/@ministryofjustice/frontend/moj/assets"),
]
# Served by `make serve` (STATIC_MANIFEST=true): files collected with content-hashed names
# and compressed copies, so browsers may cache them for ever; whitenoise serves them from
# STATIC_ROOT. Otherwise (development, tests) straight from the source folders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
if STATIC_MANIFEST:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

# One change history (django-pghistory): database triggers copy every insert, update and
# delete of personal and case data into an append-only history table beside it, so a
# queryset.update() or raw SQL is recorded too. Who, why and when travel with each row
# (the context is stored on the row, so two changes in one request keep their own reason).
PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
PGHISTORY_APPEND_ONLY = True
PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
# Only the indexes each history query needs (declared with the models), not one per key.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
# Indexed: a record's own history (the referral page, the case timeline, the stale-edit
# message).
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(related_name="history", db_index=True)
# When: the moment the service acted, on the clock every other timestamp of the service
# uses (diversion.lib.history puts it in the context); the database's clock for a change
# made outside any service.
PGHISTORY_CREATED_AT_FUNCTION = (
    "COALESCE((NULLIF(CURRENT_SETTING('pghistory.context_metadata', TRUE), '')::JSONB"
    " ->> 'at')::TIMESTAMPTZ, NOW())"
)
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="checkpoint@localhost")

# Where people report an accessibility problem or ask for another way to do a task, named on
# the accessibility statement (the Public Sector Bodies (Websites and Mobile Applications)
# (No. 2) Accessibility Regulations 2018 ask for a contact). The phone is shown only if set.
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default=DEFAULT_FROM_EMAIL)
ACCESSIBILITY_CONTACT_PHONE = env("ACCESSIBILITY_CONTACT_PHONE", default="")
# Working days within which the force answers such a report.
ACCESSIBILITY_REPLY_DAYS = env.int("ACCESSIBILITY_REPLY_DAYS", default=5)

# Force-specific reference formats (domain: custody record and crime reference numbers vary
# by force, so each deployment sets its own pattern).
FORCE_NAME = env("FORCE_NAME", default="Demo Constabulary")
# The name an authenticator app shows beside the account (two-factor sign-in).
OTP_TOTP_ISSUER = f"Checkpoint {FORCE_NAME}"
CUSTODY_RECORD_PATTERN = env("CUSTODY_RECORD_PATTERN", default=r"^[A-Z]{2}-\d{5,8}-\d{2}$")
CRIME_REFERENCE_PATTERN = env("CRIME_REFERENCE_PATTERN", default=r"^CR-\d{6,8}-\d{2}$")

# Whom a person on the scheme contacts, printed on their offer and their contract. The
# force's own; the defaults are demo values that reach nobody (an Ofcom drama number and
# an example.org address). Printed as they are now, even on an old contract reprinted.
SCHEME_CONTACT = {
    "team": env("SCHEME_CONTACT_TEAM", default="Checkpoint navigator team"),
    "phone": env("SCHEME_CONTACT_PHONE", default="01632 960 000"),
    "email": env("SCHEME_CONTACT_EMAIL", default="checkpoint@example.org"),
    "hours": env("SCHEME_CONTACT_HOURS", default="Monday to Friday, 9am to 5pm"),
}

# No personal data in logs: Django's request logger records paths only, and errors are
# never mailed (they would carry request details).
# Plain lines, or one JSON object a line (LOG_FORMAT=json, as `make serve` runs) with a line
# for each request (diversion.lib.logs).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "diversion.lib.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": [], "propagate": False},
        "diversion.requests": {
            "handlers": ["console"],
            "level": "INFO" if LOG_FORMAT == "json" else "WARNING",
            "propagate": False,
        },
    },
}
