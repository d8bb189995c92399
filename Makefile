# The two commands the README promises: `make demo` and `make test`. Both do all
# their own set-up on a fresh machine (Debian packages, virtualenv, npm packages).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test demo demo-varnish deps system-deps lint typecheck js-check pytest

test: deps lint typecheck js-check pytest

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
	npm test

pytest:
	$(BIN)/pytest --cov --cov-branch --cov-report=term

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
