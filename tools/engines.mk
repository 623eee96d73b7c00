# Real rule engines for the tests, built from source with Go (tools only: the
# product stays pure Python). One pinned Go module per engine under
# tools/engines/<engine>/ (README there); each binary lands in .tools/bin/ and is
# rebuilt only when missing or when its module's go.mod/go.sum changed.
#   make engines              # everything that builds here
#   make .tools/bin/promtool3 # one binary
# `make test` is meant to depend on `engines` once the tests use these binaries.
GO ?= go
ENGINES_DIR := tools/engines
TOOLS_BIN := .tools/bin
# GOTOOLCHAIN=local: build with the machine's Go, never fetch another toolchain.
# CGO_ENABLED=0: static binaries, no C compiler needed (every engine here is pure Go).
ENGINE_GOENV := CGO_ENABLED=0 GOTOOLCHAIN=local

# The pinned version of MODULE in ENGINE's go.mod, e.g. $(call engine_version,prometheus,github.com/prometheus/prometheus)
engine_version = $(shell awk '$$1=="$(2)"{print $$2; exit}' $(ENGINES_DIR)/$(1)/go.mod 2>/dev/null)

# $(call engine_build,ENGINE,TAGS,LDFLAGS,PACKAGE) builds PACKAGE in ENGINE's module into $@.
# (TAGS with commas go in a variable: $(call) splits its arguments on commas.)
define engine_build
@mkdir -p $(TOOLS_BIN)
@echo "building $@ from $(4)"
cd $(ENGINES_DIR)/$(1) && $(ENGINE_GOENV) $(GO) build -trimpath $(if $(2),-tags '$(2)') -ldflags '-s -w $(3)' -o $(CURDIR)/$@.tmp $(4)
@mv -f $@.tmp $@
endef

# Prometheus 3.x: module version v0.3MM.P is release 3.MM.P. Release tags are
# netgo,builtinassets; builtinassets needs the web UI's generated embed.go, which
# the module zip does not carry, so the server is built without it (the HTTP API
# works; the web UI pages do not).
PROM_MODVERSION := $(call engine_version,prometheus,github.com/prometheus/prometheus)
PROM_VERSION := $(shell echo '$(PROM_MODVERSION)' | sed -E 's/^v0\.3([0-9][0-9])\.([0-9]+)$$/3.\1.\2/; s/^3\.0([0-9])/3.\1/')
PROM_LDFLAGS := -X github.com/prometheus/common/version.Version=$(PROM_VERSION) \
  -X github.com/prometheus/common/version.Revision=module-$(PROM_MODVERSION) \
  -X github.com/prometheus/common/version.Branch=HEAD \
  -X github.com/prometheus/common/version.BuildUser=slogen-tools
PROM_DEPS := $(ENGINES_DIR)/prometheus/go.mod $(ENGINES_DIR)/prometheus/go.sum
# remove_all_sd drops every service-discovery plugin (AWS, Azure, GCE, Kubernetes, ...):
# most of the cold build time, and nothing the rule engine or promtool's rule commands use.
PROM_TAGS := netgo,remove_all_sd

$(TOOLS_BIN)/promtool3: $(PROM_DEPS)
	$(call engine_build,prometheus,$(PROM_TAGS),$(PROM_LDFLAGS),github.com/prometheus/prometheus/cmd/promtool)

$(TOOLS_BIN)/prometheus3: $(PROM_DEPS)
	$(call engine_build,prometheus,$(PROM_TAGS),$(PROM_LDFLAGS),github.com/prometheus/prometheus/cmd/prometheus)

# VictoriaMetrics: the "pure" (CGO_ENABLED=0) builds of its own Makefile.
VM_MODVERSION := $(call engine_version,victoriametrics,github.com/VictoriaMetrics/VictoriaMetrics)
VM_LDFLAGS = -X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=$(notdir $@)-$(VM_MODVERSION)
VM_DEPS := $(ENGINES_DIR)/victoriametrics/go.mod $(ENGINES_DIR)/victoriametrics/go.sum

$(TOOLS_BIN)/vmalert: $(VM_DEPS)
	$(call engine_build,victoriametrics,,$(VM_LDFLAGS),github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert)

$(TOOLS_BIN)/victoria-metrics: $(VM_DEPS)
	$(call engine_build,victoriametrics,,$(VM_LDFLAGS),github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics)

# Thanos: release tags netgo,slicelabels; its go.mod's replace lines are copied
# into tools/engines/thanos/go.mod.
THANOS_MODVERSION := $(call engine_version,thanos,github.com/thanos-io/thanos)
THANOS_TAGS := netgo,slicelabels
THANOS_LDFLAGS := -X github.com/prometheus/common/version.Version=$(THANOS_MODVERSION:v%=%) \
  -X github.com/prometheus/common/version.Revision=module-$(THANOS_MODVERSION) \
  -X github.com/prometheus/common/version.Branch=HEAD \
  -X github.com/prometheus/common/version.BuildUser=slogen-tools

$(TOOLS_BIN)/thanos: $(ENGINES_DIR)/thanos/go.mod $(ENGINES_DIR)/thanos/go.sum
	$(call engine_build,thanos,$(THANOS_TAGS),$(THANOS_LDFLAGS),github.com/thanos-io/thanos/cmd/thanos)

# `thanos tools rules-check` alone: cmd/thanos/tools.go's checkRulesFiles over
# Thanos's own rules.ValidateAndCount, in the same pinned module (rulescheck/).
# It compiles Thanos's rule packages but none of its object-storage clients, so
# it builds in minutes where cmd/thanos takes over half an hour.
$(TOOLS_BIN)/thanos-rules-check: $(ENGINES_DIR)/thanos/go.mod $(ENGINES_DIR)/thanos/go.sum $(ENGINES_DIR)/thanos/rulescheck/main.go
	$(call engine_build,thanos,$(THANOS_TAGS),$(THANOS_LDFLAGS),./rulescheck)

# Sloth, the reference of the differential tests (tests/spec/test_sloth_binary.py runs
# `sloth generate` on every Sloth file of the corpus).
SLOTH_MODVERSION := $(call engine_version,sloth,github.com/slok/sloth)

$(TOOLS_BIN)/sloth: $(ENGINES_DIR)/sloth/go.mod $(ENGINES_DIR)/sloth/go.sum
	$(call engine_build,sloth,,-X github.com/slok/sloth/internal/info.Version=$(SLOTH_MODVERSION),github.com/slok/sloth/cmd/sloth)

# What `make test` needs: the full thanos binary too, since tests/e2e/test_split_thanos.py
# runs its receive, query and rule (its cold build time is in tools/engines/README.md).
# pyrra does not build here; Mimir is AGPL-3.0 and is not built (tools/engines/README.md).
ENGINE_BINS := $(addprefix $(TOOLS_BIN)/,promtool3 prometheus3 vmalert victoria-metrics thanos thanos-rules-check cortex-rules-check gate-eval sloth)

.PHONY: engines engines-all engines-clean
engines: $(ENGINE_BINS)

# Kept for habit: `engines` builds everything now.
engines-all: $(ENGINE_BINS)

engines-clean:
	rm -rf .tools

# Cortex (Apache-2.0): its ruler's acceptance of a rule group (the API's read, the ruler
# manager's validation with Cortex's PromQL parser, the limits, the protobuf round trip) over
# Cortex's own packages, in the pinned module (rulescheck/). It checks the cortex and mimir
# targets' namespace files; Grafana Mimir is AGPL-3.0 and is not built into these tools.
CORTEX_DEPS := $(ENGINES_DIR)/cortex/go.mod $(ENGINES_DIR)/cortex/go.sum

$(TOOLS_BIN)/cortex-rules-check: $(CORTEX_DEPS) $(ENGINES_DIR)/cortex/rulescheck/main.go
	$(call engine_build,cortex,netgo,,./rulescheck)

# Release gates (tools/engines/gates): gate-eval gives Argo Rollouts' and Flagger's verdict
# on a Prometheus answer (Argo's conditions through the expr-lang/expr it pins), and the
# tools' CRDs come out of their pinned module zips, found with `go mod download -json`.
GATES_DEPS := $(ENGINES_DIR)/gates/go.mod $(ENGINES_DIR)/gates/go.sum
TOOLS_CRDS := .tools/crds
GATE_CRDS := $(TOOLS_CRDS)/argo-rollouts-analysis-template.yaml $(TOOLS_CRDS)/flagger.yaml

$(TOOLS_BIN)/gate-eval: $(GATES_DEPS) $(ENGINES_DIR)/gates/gateeval/main.go
	$(call engine_build,gates,,,./gateeval)

# $(call module_file,MODULE,PATH) copies PATH from MODULE's zip (the version gates/go.mod pins) into $@.
define module_file
@mkdir -p $(TOOLS_CRDS)
dir=$$(cd $(ENGINES_DIR)/gates && $(ENGINE_GOENV) $(GO) mod download -json $(1) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') \
  && test -n "$$dir" && cat "$$dir/$(2)" > $@.tmp
@mv -f $@.tmp $@
endef

$(TOOLS_CRDS)/argo-rollouts-analysis-template.yaml: $(GATES_DEPS)
	$(call module_file,github.com/argoproj/argo-rollouts,manifests/crds/analysis-template-crd.yaml)

$(TOOLS_CRDS)/flagger.yaml: $(GATES_DEPS)
	$(call module_file,github.com/fluxcd/flagger,artifacts/flagger/crd.yaml)

engines: $(GATE_CRDS)
