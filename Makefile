# Two commands: `make run` and `make test`. Everything else is a helper of those.
# `make run` serves the demo as a team would use it: DEBUG off, a secret key made once for this
# install (var/secret_key), passwords generated for it (var/demo-accounts.txt), both readable by
# their owner only. `make dev` serves the same with DEBUG on, for development. Beside the http port,
# the whole portal is served over https on $(TLS_PORT) (the APIs' port for Microsoft's SDKs: the
# Dataverse client speaks https only), with a local certificate authority made once in var/tls/.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TLS_PORT ?= $(or $(PORTAL_TLS_PORT),8443)
TLS_DIR := var/tls
SECRET_KEY_FILE := var/secret_key
ACCOUNTS_FILE := var/demo-accounts.txt
# Every manage.py run: the key from the environment if set, else this install's; DEBUG as asked.
MANAGE = DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}" $(PY) manage.py

.PHONY: run dev test venv secret-key migrate seed tls serve check clean

# Find a Python 3.12+ that really runs: python3.14..python3, then pyenv's interpreters.
define find_python
for c in python3.14 python3.13 python3.12 python3 \
         $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV) \
         $$(command -v pyenv >/dev/null 2>&1 && ls -d "$$(pyenv root)"/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
  if "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo "$$c"; break; fi; \
done
endef

$(VENV)/.installed: requirements.txt
	@py="$$($(find_python))"; \
	if [ -z "$$py" ]; then \
	  echo "error: Python 3.12 or newer is needed (Django 6.1). Install it (e.g. 'pyenv install 3.13' or your OS package python3.13) and run make again." >&2; \
	  exit 1; \
	fi; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	  echo "Creating $(VENV) with $$py ($$($$py --version))"; rm -rf $(VENV); "$$py" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

# A random secret key, made once for this install, readable by its owner only (var/ is git-ignored).
secret-key: venv
	@mkdir -p -m 700 var
	@if [ ! -s $(SECRET_KEY_FILE) ]; then \
	  (umask 077; $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $(SECRET_KEY_FILE)); \
	  chmod 600 $(SECRET_KEY_FILE); echo "Made a secret key for this install: $(SECRET_KEY_FILE)."; \
	fi

migrate: secret-key
	DJANGO_DEBUG=0 $(MANAGE) migrate --noinput

# collectstatic with DEBUG off: the hashed, compressed files WhiteNoise serves when DEBUG is off.
# The demo's superuser is made only here, when the demo is first created (never again after).
seed: migrate
	DJANGO_DEBUG=0 $(MANAGE) collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=0 $(MANAGE) seed_demo --superuser --accounts-file $(ACCOUNTS_FILE)

# The local certificate authority and the server certificate of the https port (trustme), made once
# and kept in var/tls/ (owner-only); a new server certificate only when $(HOST) is not in it yet.
tls: secret-key
	@DJANGO_DEBUG=0 $(MANAGE) tls_certificates --dir $(TLS_DIR) --host $(HOST)

# The web server on http://$(HOST):$(PORT) (for the browser), the same portal over https on
# $(TLS_PORT) (gunicorn with the certificate above: the APIs for Microsoft's SDKs), and the task
# queue's worker (huey), which runs the periodic background sync every SYNC_INTERVAL_MINUTES (1 in
# the demo); logs var/huey.log and var/https.log. All three stop when this stops.
# $(1) is DEBUG: 0 for `make run` (no debug pages; WhiteNoise serves what `seed` collected).
define serve
@export DJANGO_DEBUG=$(1) DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}" PORTAL_TLS_PORT=$(TLS_PORT); \
if (exec 3<>/dev/tcp/$(HOST)/$(TLS_PORT)) 2>/dev/null; then \
  echo "error: another program listens on $(HOST):$(TLS_PORT), the https port; pick another with PORTAL_TLS_PORT=..." >&2; exit 1; \
fi; \
$(PY) manage.py run_huey --workers 2 --worker-type thread > var/huey.log 2>&1 & worker=$$!; \
$(PY) -m gunicorn portal.wsgi:application --bind $(HOST):$(TLS_PORT) \
  --certfile $(TLS_DIR)/server.pem --keyfile $(TLS_DIR)/server.key \
  --worker-class gthread --workers 1 --threads 4 --no-control-socket --access-logfile - > var/https.log 2>&1 & https=$$!; \
trap 'kill $$worker $$https 2>/dev/null' EXIT INT TERM; \
for _ in $$(seq 1 100); do (exec 3<>/dev/tcp/$(HOST)/$(TLS_PORT)) 2>/dev/null && break; sleep 0.1; done; \
if ! kill -0 $$https 2>/dev/null; then echo "error: the https server stopped; var/https.log says:" >&2; tail -n 5 var/https.log >&2; exit 1; fi; \
echo "Task queue worker started (pid $$worker, log var/huey.log)."; \
echo "Sign-in accounts and their passwords: $(ACCOUNTS_FILE) (readable by you only)."; \
echo "Serving https://$(HOST):$(TLS_PORT)/ too (pid $$https, log var/https.log): the APIs for Microsoft's SDKs."; \
echo "  Its certificate authority: $(CURDIR)/$(TLS_DIR)/ca.pem. Trust it in the shell that runs a script:"; \
echo "    export REQUESTS_CA_BUNDLE=$(CURDIR)/$(TLS_DIR)/ca.pem SSL_CERT_FILE=$(CURDIR)/$(TLS_DIR)/ca.pem"; \
echo "  (requests and the Dataverse client read the first, httpx and msgraph-sdk the second; curl --cacert it)."; \
echo "Serving http://$(HOST):$(PORT)/ with DEBUG $(if $(filter 1,$(1)),on (development only),off)."; \
$(PY) manage.py runserver $(HOST):$(PORT)
endef

run: seed tls
	$(call serve,0)

# The same with DEBUG on (debug pages, static files straight from static/): for development only.
dev: seed tls
	$(call serve,1)

serve: tls
	$(call serve,0)

# The suite runs on every core (pytest-xdist; TEST_WORKERS=0 runs it in one process, as a debugger
# wants): each worker has its own test database.
TEST_WORKERS ?= auto
test: venv
	@$(PY) -m pytest -n $(TEST_WORKERS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

check: secret-key
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles db.sqlite3* var

# The vendored Fluent 2 assets (static/vendor/fluent/): Microsoft's npm packages installed in a scratch
# directory, then scripts/update_fluent.py writes the tokens, the icon sprite and the licences
# (README, "Vendored front-end assets"). Run it again after using a new icon name.
.PHONY: fluent
FLUENT_DIR ?= /tmp/fluent
FLUENT_TOKENS ?= 1.0.0-alpha.24
FLUENT_ICONS ?= 1.1.343
fluent:
	mkdir -p $(FLUENT_DIR)
	cd $(FLUENT_DIR) && { [ -f package.json ] || npm init -y >/dev/null; } && \
	  npm install --no-audit --no-fund @fluentui/tokens@$(FLUENT_TOKENS) @fluentui/svg-icons@$(FLUENT_ICONS)
	python3 scripts/update_fluent.py $(FLUENT_DIR)/node_modules
