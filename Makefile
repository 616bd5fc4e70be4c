# Run `make help` for the list. Every target installs what it needs first (deploy/bootstrap.sh).
SHELL := /bin/bash
VENV := .venv
TD := $(VENV)/bin/tradedash
PYTEST := $(VENV)/bin/pytest

.DEFAULT_GOAL := help
.PHONY: help bootstrap services-up services-down services-status migrate demo test test-unit \
        test-integration test-browser test-timescale lint format compose-check bench-ingest \
        bench-exports bench-alerts \
        bench-ui bench-queries

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  make %-18s %s\n", $$1, $$2}'

bootstrap: ## install apt packages, the virtualenv, the Kafka jars (idempotent)
	@bash deploy/bootstrap.sh

services-up: bootstrap ## start PostgreSQL, Redis and Kafka (reuses running ones)
	@$(TD) services up

services-down: ## stop the services this project started
	@$(TD) services down

services-status: ## show the services' state
	@$(TD) services status

migrate: services-up ## bring the database schema to the newest revision
	@$(TD) migrate

demo: bootstrap ## the whole product with simulated data on http://127.0.0.1:8050
	@$(TD) demo

test: bootstrap lint ## lint, start the services, run the whole test suite
	@$(TD) services up
	@$(PYTEST)

test-unit: bootstrap ## only the unit tier (no services)
	@$(PYTEST) -m unit

test-integration: services-up ## only the integration tier
	@$(PYTEST) -m integration

test-browser: services-up ## only the browser tier (headless Chromium)
	@$(PYTEST) -m browser

test-timescale: bootstrap ## only the TimescaleDB compatibility tier
	@$(PYTEST) -m timescale

lint: bootstrap ## ruff (lint and format check) and mypy
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

format: bootstrap ## apply ruff's formatting and safe fixes
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

compose-check: bootstrap ## validate docker-compose.yml (no Docker engine runs here)
	@TRADEDASH_SECRET_KEY=check-only-secret-key-0123456789abcdef TRADEDASH_DB_PASSWORD=check \
	  TRADEDASH_PSEUDONYM_KEY=check-only-pseudonym-key-0123456789abcdef \
	  TRADEDASH_REDIS_PASSWORD=check docker-compose -f docker-compose.yml config -q \
	  && echo "docker-compose.yml is valid"

bench-ingest: services-up ## ingest benchmark (not part of the tests)
	@$(VENV)/bin/python -m workers.ingest.bench

bench-queries: services-up ## read models vs naive SQL on 30 days of history, one JSON line (not a test)
	@$(VENV)/bin/python -m workers.bench_queries $(BENCH_QUERIES_ARGS)

bench-alerts: services-up ## alert engine: 1,000 rules at 20k events/s, event->firing and firing->delivered p99 (not in the tests)
	@$(VENV)/bin/python -m workers.alerts.bench

bench-ui: services-up ## page-ready, callback p95 and live-delta times in Chromium (not in the tests)
	@$(VENV)/bin/python -m workers.bench_ui

bench-exports: services-up ## export benchmark: CSV of 1 M executions, Excel of 100 k (not a test)
	@$(VENV)/bin/python -m workers.exports_bench
	@$(VENV)/bin/python -m workers.reports_bench
