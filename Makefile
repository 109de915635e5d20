# make run   : set everything up and serve the app on SQLite with the Kota Kupang demo data
# make test  : set everything up and run the whole suite (and on PostgreSQL too when
#              QMS_TEST_DATABASE_URL is set, as .ci/run does)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the suite in one process per core, each test file kept in one process (pytest-xdist)
PARALLEL ?= -n auto --dist loadfile
export FLASK_APP := qms

.PHONY: setup run test lint demo-db worker

$(BIN)/.installed: requirements.txt requirements-dev.txt
	scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed
	$(BIN)/flask qms compile-translations

demo-db: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask qms load-checklists
	$(BIN)/flask qms seed-demo

run: demo-db
	$(BIN)/flask run --host 127.0.0.1 --port 5000

worker: setup
	$(BIN)/rq worker --worker-class qms.worker.AppWorker --url "$$REDIS_URL" qms-reports

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	scripts/system-deps --browser
	@echo "== SQLite"
	env -u QMS_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider $(PARALLEL)
	@cat test-output/api-contract.txt
	@if [ -n "$$QMS_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$QMS_TEST_DATABASE_URL)"; \
		$(BIN)/pytest -q -p no:cacheprovider $(PARALLEL) && cat test-output/api-contract.txt; \
	fi
