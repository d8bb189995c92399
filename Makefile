# The two commands the README promises: `make demo` and `make test`. Both do all
# their own set-up on a fresh machine (Debian packages, virtualenv, npm packages).
# `make check` is the inner loop (README, "Development"): under a minute, no servers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test check demo demo-varnish deps system-deps lint typecheck js-check pytest pytest-fast \
	pytest-main pytest-side

# Everything (CI runs it: .ci/run): lint, types and the loader's checks side by side, then the
# whole pytest suite.
test: deps
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck js-check
	@$(MAKE) --no-print-directory pytest

# The inner loop: the same lint, types and loader checks, and the tests that need no browser,
# proxy or load (pytest markers, pyproject.toml), run side by side.
check: $(VENV)/.deps node_modules/.deps
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck js-check pytest-fast

deps: system-deps $(VENV)/.deps node_modules/.deps

demo: $(VENV)/.deps
	@VENV_BIN="$(abspath $(BIN))" bash demo/run.sh

# The demo on two app hosts behind Varnish, with Redis, in ESI mode (demo/README.md).
demo-varnish: system-deps $(VENV)/.deps
	@$(BIN)/python demo/run_varnish.py

system-deps:
	@bash tests/system-deps.sh

$(VENV)/.deps: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

node_modules/.deps: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

js-check:
	npm run --silent build:check
	npm run --silent lint
	npm test

FAST := not slow and not browser and not proxy and not load
pytest-fast:
	$(BIN)/pytest -q -m "$(FAST)"

# The whole suite in two pytest processes side by side, one per core: SIDE (a virtualenv built
# for the quickstart, every benchmark at tiny sizes, a load test, two app hosts under load and
# the Hypothesis properties) beside all the rest, chosen so that the two take about as long.
# Each writes its own coverage data; the report combines them and alone applies fail_under
# (pyproject.toml). composekit/ code run in subprocesses (servers, the benchmarks) is not
# measured either way.
SIDE := tests/benchmarks tests/test_quickstart.py tests/test_load.py tests/test_two_hosts.py \
	tests/test_properties.py
pytest:
	@rm -f .coverage .coverage.main* .coverage.side*
	@$(MAKE) --no-print-directory -j2 --output-sync=target pytest-main pytest-side
	$(BIN)/coverage combine -q .coverage.main .coverage.side
	$(BIN)/coverage report

pytest-main:
	COVERAGE_FILE=.coverage.main $(BIN)/pytest --cov --cov-branch --cov-report= --cov-fail-under=0 \
		$(addprefix --ignore=,$(SIDE))

pytest-side:
	COVERAGE_FILE=.coverage.side $(BIN)/pytest --cov --cov-branch --cov-report= --cov-fail-under=0 $(SIDE)

# Not part of `test`: the pytest suite against each supported Django LTS, each in a
# virtualenv of its own (.venv for the pinned 5.2, .venv-django42 for 4.2).
.PHONY: test-matrix
test-matrix: deps
	$(PYTHON) -m venv .venv-django42
	.venv-django42/bin/python -m pip install -q --upgrade pip
	.venv-django42/bin/python -m pip install -q -e '.[test]'
	.venv-django42/bin/python -m pip install -q 'Django>=4.2,<5.0' 'djangorestframework>=3.15,<3.17'
	.venv-django42/bin/python -c 'import django; assert django.VERSION[:2] == (4, 2), django.__version__'
	.venv-django42/bin/pytest -p no:cacheprovider
	$(BIN)/pytest -p no:cacheprovider

# Not part of `test`: runs every benchmark (about 20-40 minutes) and writes docs/benchmarks.md,
# and the raw results to bench/.work/results.json (`python -m bench --render` rewrites the
# report from them).
.PHONY: bench
bench: deps
	@mkdir -p bench/.work
	$(BIN)/python -m bench --json bench/.work/results.json
