# One command to run the shop (`make up`), one to test it (`make test`); `make` lists the rest.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# `pip install --user uv` puts uv here.
export PATH := $(HOME)/.local/bin:$(PATH)

UV ?= uv
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
RUN := $(UV) run --no-sync
SCALE ?= 1
ARGS ?=
REVS ?=
STEPS ?=
DATABASE_URL ?= sqlite:///$(CURDIR)/.run/shop.db
INSTALLED := .venv/.make-installed
# Standard library only: runs before anything is installed.
TAGS := python3 scripts/steps/tags.py
PYPROJECTS := $(wildcard pyproject.toml */pyproject.toml extracted/*/pyproject.toml)

.PHONY: help install up test lint importlint typecheck pytest pytest-compiled proxy-compiled contract migrate seed \
	bench-monolith bench-steps bench-proxy bench-proxy-revisions bench-proxy-instructions bench-outbox \
	bench-backfill \
	tags wrk nginx valgrind steps cutover-catalog pacts

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| awk -F ':.*## ' '{ printf "  make %-15s %s\n", $$1, $$2 }'

install: $(INSTALLED) ## install uv if missing, the workspace and missing step tags (cheap when unchanged)
	@$(TAGS) --quiet

$(INSTALLED): $(PYPROJECTS)
	@command -v $(UV) >/dev/null || python3 -m pip install --user uv \
		|| python3 -m pip install --user --break-system-packages uv
	$(UV) sync --all-packages
	@touch $@

up: install ## run the current step on SQLite until Ctrl-C (ARGS="--database postgres --port N")
	$(RUN) shop-topology up $(ARGS)

pacts: install ## write the monolith's pacts with the catalog service anew (contract/pacts/)
	SHOP_WRITE_PACTS=1 $(RUN) pytest -q monolith/tests/pacts

cutover-catalog: install ## a stage of the catalog's cut-over on the `make up` shop (STAGE=status|backfill|...|rollback)
	@test -n "$(STAGE)" || { echo "give STAGE=status|backfill|catch-up|reconcile|shadow|canary|reads|writes|rollback"; exit 2; }
	CATALOG_MONOLITH_DATABASE_URL=$${CATALOG_MONOLITH_DATABASE_URL:-sqlite:///$(CURDIR)/.run/shop.db} \
	CATALOG_MIGRATION_DATABASE_URL=$${CATALOG_MIGRATION_DATABASE_URL:-sqlite:///$(CURDIR)/.run/catalog-service.db} \
	CATALOG_BROKER_URL=$${CATALOG_BROKER_URL:-amqp://guest:guest@127.0.0.1:5672/shop_dev} \
	CATALOG_ROUTES_FILE=$${CATALOG_ROUTES_FILE:-$(CURDIR)/.run/proxy-routes.toml} \
	$(RUN) catalog-service cutover $(STAGE) $(ARGS)

test: lint importlint typecheck pytest pytest-compiled ## everything CI checks: ruff, import-linter, mypy, pytest

lint: install ## ruff
	$(RUN) ruff check .

importlint: install ## the architecture rules (import-linter contracts in pyproject.toml)
	$(RUN) lint-imports

typecheck: install ## mypy --strict
	$(RUN) mypy

pytest: install ## unit, integration, contract and topology tests
	$(RUN) pytest

proxy-compiled: install ## compile the proxy's hot path with mypyc into .run/proxy-compiled (ADR-0008)
	@scripts/proxy-compiled .run/proxy-compiled

pytest-compiled: proxy-compiled ## the proxy's tests again, against its compiled build
	STRANGLER_PROXY_COMPILED=1 PYTHONPATH=$(CURDIR)/.run/proxy-compiled $(RUN) pytest strangler-proxy/tests

contract: install ## the contract suite (honours SHOP_BASE_URL, SHOP_ADMIN_EMAIL, SHOP_ADMIN_PASSWORD)
	$(RUN) pytest tests/contract

migrate: install ## alembic upgrade head for the monolith against DATABASE_URL (default .run/shop.db)
	@mkdir -p .run
	DATABASE_URL='$(DATABASE_URL)' $(RUN) alembic -c migrations/alembic.ini -n monolith upgrade head

seed: install ## fill DATABASE_URL with demo data (SCALE=1)
	DATABASE_URL='$(DATABASE_URL)' $(RUN) shop-monolith seed --scale $(SCALE)

bench-monolith: install wrk ## browse and checkout throughput of the monolith on PostgreSQL
	$(RUN) python -m bench.monolith

bench-steps: install wrk ## browse and checkout of several steps back to back (STEPS="step-1-strangler-proxy HEAD")
	$(RUN) python -m bench.steps $(STEPS)

bench-proxy: install wrk nginx proxy-compiled ## our proxy vs direct and nginx proxy_pass, same upstream
	$(RUN) python -m bench.proxy

bench-proxy-revisions: install wrk nginx ## the proxy of several commits, back to back (REVS="a b")
	$(RUN) python -m bench.proxy_revisions $(REVS)

bench-proxy-instructions: install nginx valgrind ## instructions per request of several commits' proxy, by callgrind (REVS="a b")
	$(RUN) python -m bench.proxy_instructions $(REVS)

bench-backfill: install wrk ## the catalog's backfill of 1,000,000 products vs INSERT ... SELECT, and reads meanwhile
	$(RUN) python -m bench.backfill

bench-outbox: install ## the outbox relay: throughput with confirms vs the broker's ceiling, lag at 1,000 events/s
	$(RUN) python -m bench.outbox

valgrind:
	@command -v valgrind >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq valgrind; }

nginx:
	@command -v nginx >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nginx; }

wrk:
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }

tags: ## recreate missing step tags from `Migration-Step:` commit trailers
	@$(TAGS)

steps: install ## each step tag in its own worktree and venv vs HEAD's contract suite (ARGS="--only TAG")
	$(RUN) python scripts/steps $(ARGS)
