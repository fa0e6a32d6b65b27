# The two commands in the README: `make run` and `make test`. Everything they need is
# installed here; nothing is assumed to be on the machine beyond Python 3.11 and Node.js
# with npm. On Debian, as root, they install what is missing of the system: PostgreSQL's
# server (database-server, which also starts a stopped one) and, for `make test`,
# Chromium. ensure_database then makes the service's two roles through its superuser.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run serve test setup database-server lint format bench loadtest codes clean

# DEMO=true lets seed_demo make the demo logins, whose passwords are published.
run: setup
	DEMO=true $(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py refresh_dashboards
	@echo "Serving on http://127.0.0.1:$(PORT)/ (two-factor codes for the demo logins: make codes)"
	$(BIN)/gunicorn diversion.wsgi --bind 127.0.0.1:$(PORT) --workers 2 \
	  --access-logfile - --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# As in production, on this machine: DEBUG off, static files with hashed names and
# compressed copies, JSON logs (a line for each request), a worker per core and one more.
BIND ?= 127.0.0.1:$(PORT)
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
serve: setup
	STATIC_MANIFEST=true $(BIN)/python manage.py collectstatic --no-input -v 0
	DEBUG=false STATIC_MANIFEST=true LOG_FORMAT=json $(BIN)/gunicorn diversion.wsgi \
	  --bind $(BIND) --workers $(WORKERS)

test: setup $(CHROMIUM) lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 -q

# The two-factor code each demo login signs in with now (a demo copy: DEMO is set here).
codes:
	DEMO=true $(BIN)/python manage.py demo_codes

# At national scale: a million referrals (allow a quarter of an hour).
bench: setup
	$(BIN)/python manage.py bench --million

# Simulated staff against `make serve` at a million referrals (allow half an hour the first
# time, to seed them): USERS are the numbers of users to try, the first being the target.
LOAD_VENV := .venv-load
USERS ?= 50,75,100,125,150
LOAD_SECONDS ?= 120
loadtest: setup $(LOAD_VENV)/.installed
	$(BIN)/python manage.py loadtest --locust $(LOAD_VENV)/bin/locust --users $(USERS) \
	  --seconds $(LOAD_SECONDS)

$(LOAD_VENV)/.installed: diversion/demo/load/requirements.txt
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

# migrate runs as the owner role and then grants the service role its privileges.
setup: database-server $(BIN)/.installed node_modules/.installed static/build/application.css .env
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py collectstatic --no-input -v 0

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/application.css: node_modules/.installed $(wildcard static/scss/*.scss)
	npm run --silent build:css

# A local settings file with a fresh secret key, made once and never committed.
.env:
	sed "s/^SECRET_KEY=.*/SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')/" .env.example > $@

# A PostgreSQL server answering where .env puts the database: on this machine, a stopped
# cluster is started, or one made, or Debian's server installed (diversion.lib.database_server,
# the standard library only, so the system Python runs it before the virtualenv exists).
database-server: .env
	$(PYTHON) -m diversion.lib.database_server

# Browser tests drive Debian's Chromium; install it when it is missing.
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lint: $(BIN)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(LOAD_VENV) node_modules static/build staticfiles
