# The two commands people need: `make generate` and `make test`. Every target
# bootstraps what it needs (a .venv with the package, promtool from Debian).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SLOGEN := $(VENV)/bin/slogen
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SPECS ?= slo_specs
OUT ?= output
# Rule dialects to emit (README "Deployment targets") and their options, e.g.
# make generate TARGETS=prometheus,prometheus-operator TARGET_OPTS='--operator-namespace monitoring'
TARGETS ?= prometheus
TARGET_OPTS ?=

.PHONY: generate test test-fast check validate bench promtool chromium grafana-schema venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

venv: $(STAMP)

# promtool and prometheus come from Debian's `prometheus` package; Alertmanager and amtool
# (the routing tests) from `prometheus-alertmanager`.
promtool:
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null \
	  || ! command -v prometheus-alertmanager >/dev/null || ! command -v amtool >/dev/null; then \
	  echo "installing Debian's prometheus (promtool) and prometheus-alertmanager ..."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null; \
	fi
	@promtool --version 2>&1 | head -n 1

# Headless Chromium renders the HTML report in the tests.
chromium:
	@if ! command -v chromium >/dev/null; then \
	  echo "installing Debian's chromium ..."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi

# Grafana's published dashboard types (11.x, 12.x, 13.x) and tsc, pinned by
# tools/grafana-schema/package-lock.json: the dashboards are type-checked against them.
GRAFANA_SCHEMA := tools/grafana-schema/node_modules/.package-lock.json
$(GRAFANA_SCHEMA): tools/grafana-schema/package.json tools/grafana-schema/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	fi
	cd tools/grafana-schema && npm ci --silent --no-audit --no-fund
	@touch $@

grafana-schema: $(GRAFANA_SCHEMA)

generate: $(STAMP)
	$(SLOGEN) generate $(SPECS) --out $(OUT) --target $(TARGETS) $(TARGET_OPTS)

validate: $(STAMP)
	$(SLOGEN) validate $(SPECS)

check: $(STAMP)
	$(SLOGEN) check $(SPECS) --out $(OUT) --target $(TARGETS) $(TARGET_OPTS)

# engines: Prometheus 3 (and the other Go-built engines) in .tools/bin/, tools/engines.mk.
# On every core (pytest-xdist), a test file per worker at a time: module fixtures are built
# once, and the live tests of one file never race each other. The 25 slowest are listed, so
# the 45-minute budget's hogs show in CI's log.
PYTEST_WORKERS ?= auto
test: $(STAMP) promtool chromium $(GRAFANA_SCHEMA) engines
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --durations=25

# The inner loop, under 3 minutes on 2 cores; `make test` (what CI runs) stays the whole suite.
# `pytest --fast` (tests/conftest.py) selects every test not marked `slow` (the marker in
# pyproject.toml: more than a few seconds alone here), runs the engine-parametrized ones on
# Prometheus 3 only, and property tests at 20 examples each (slogen_testing.examples).
test-fast: $(STAMP) promtool engines
	$(PY) -m pytest -q --fast -n $(PYTEST_WORKERS) --dist loadfile

# Benchmarks (the compile rounds, then more than an hour): compile throughput at 10,000 SLOs, rule evaluation
# cost in a real Prometheus against Sloth's and Pyrra's rule shapes and the base rates' floor, in the default layout
# and under --share-rules global (about 30 minutes, 7 of them sampling; to rewrite section 2 alone from its JSON:
# `python -m bench.report --eval-only build/bench-eval.json --md docs/benchmarks.md`), the alerts' detection and reset times on an
# incident corpus against the SRE workbook's ideal -> docs/benchmarks.md, the generated tests' promtool time
# per SLO for services of 1, 10 and 50 SLOs (printed, build/bench-tests.json), and what three exclusions cost
# one SLO against the same SLO without (printed, build/bench-exclusions.json), and what calendar windows,
# timeslices, grouping and the split cost against the SLO each replaces (printed, build/bench-features.json).
BENCH_SERVICES ?= 1000
BENCH_SLOS ?= 10
BENCH_ROUNDS ?= 3
# Another slogen checkout (e.g. a worktree of main) to run interleaved with this one: `make bench BENCH_AGAINST=../main`.
BENCH_AGAINST ?=
BENCH_DAYS ?= 30
BENCH_MEASURE ?= 420
# Generated-test cost: one service of each size, its promtool tests timed (a few minutes).
BENCH_TEST_SLOS ?= 1,10,50
# One SLO with three exclusions next to the same SLO without, in one Prometheus (about 5 minutes, printed).
BENCH_EXCLUSION_MEASURE ?= 180
# A composite (journey) SLO next to one ordinary SLO in a real Prometheus (about 12 minutes, printed).
BENCH_COMPOSITE_MEASURE ?= 300
# Calendar, timeslices, grouping and the split, each next to the SLO it replaces, all in one Prometheus
# with a month of written history (about 8 minutes, printed; the README's **Cost.** figures).
BENCH_FEATURE_MEASURE ?= 180
bench: $(STAMP) promtool
	@mkdir -p build
	$(PY) -m bench.compile_speed --services $(BENCH_SERVICES) --slos $(BENCH_SLOS) --rounds $(BENCH_ROUNDS) $(if $(BENCH_AGAINST),--against $(BENCH_AGAINST)) --json build/bench-compile.json
	$(PY) -m bench.eval_cost --days $(BENCH_DAYS) --measure $(BENCH_MEASURE) --json build/bench-eval.json
	$(PY) -m bench.test_cost --slos $(BENCH_TEST_SLOS) --json build/bench-tests.json
	$(PY) -m bench.native_cost --json build/bench-native.json
	$(PY) -m bench.composite_cost --measure $(BENCH_COMPOSITE_MEASURE) --json build/bench-composite.json
	$(PY) -m bench.exclusion_cost --measure $(BENCH_EXCLUSION_MEASURE) --json build/bench-exclusions.json
	$(PY) -m bench.feature_cost --measure $(BENCH_FEATURE_MEASURE) --json build/bench-features.json --md docs/benchmarks.md
	$(PY) -m bench.report build/bench-compile.json build/bench-eval.json --md docs/benchmarks.md --json docs/benchmarks.json
	$(PY) -m bench.alert_quality --json docs/benchmarks-alert-quality.json --md docs/benchmarks.md
	@echo "wrote docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks-alert-quality.json"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# Go-built engine binaries in .tools/bin/: `make engines` (tools/engines/README.md).
include tools/engines.mk
