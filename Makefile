# Entry points for developers and CI (.ci/run runs `make test`).
#
# Every target that needs tools depends on the setup stamp, so `make test` or
# `make plan` on a fresh machine first runs scripts/setup.sh (apt packages,
# .venv, collection symlink); on a prepared machine that costs nothing.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
# Tools from .venv win over anything on the system, without `activate`
# (ansible-lint also warns when its own bin dir is not on PATH).
export PATH := $(VENV)/bin:$(PATH)

# Made by scripts/setup.sh. The stamp is redone when the script or the
# requirements change; the symlink is what ansible.cfg's collections_path uses
# to find this checkout as refarch.ai_cluster (`make clean` removes it, the
# next tool target puts it back).
SETUP_STAMP := $(VENV)/.setup.stamp
COLLECTION_LINK := build/collections/ansible_collections/refarch/ai_cluster
TOOLS := $(SETUP_STAMP) $(COLLECTION_LINK)

# `make check`: the fast checks for every change (units and properties, sanity
# with the type checker, lint, changelog, golden files, the built artifact);
# under 10 minutes on 2 cores. `make test` (what CI runs) = `make check`, then
# the slow suites: the twins, Molecule and the fault injections. Areas append
# with CHECK_TARGETS += x or TEST_TARGETS += x in mk/<area>.mk; secondary
# expansion reads the lists when the goal runs, not when its rule is parsed.
CHECK_TARGETS := units sanity lint changelog-lint build-install
TEST_TARGETS :=

# Design file and output folder for `make plan`. The plan folder is named
# after the design file (foo.yml -> build/plan/foo); designs kept as
# inventories/NAME/design.yml are named after their folder (build/plan/NAME)
# so that different designs do not overwrite each other's plans.
DESIGN ?= inventories/lab/design.yml
DESIGN_NAME = $(basename $(notdir $(DESIGN)))
PLAN_NAME = $(if $(filter design,$(DESIGN_NAME)),$(notdir $(patsubst %/,%,$(dir $(DESIGN)))),$(DESIGN_NAME))
PLAN_DIR ?= build/plan/$(PLAN_NAME)

# Extra arguments: `make units PYTEST_ARGS='-n 2 -k addressing'`,
# `make sanity SANITY_ARGS='--test pep8'`.
PYTEST_ARGS ?=
SANITY_ARGS ?=

# build-install: modules that must import from the *installed* tarball
# (proves the release artefact is complete, not just the work tree).
DIST_DIR := build/dist
IMPORT_CHECKS ?= ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design

# Each area of the collection adds its own targets (and TEST_TARGETS += ...) in mk/<area>.mk.
-include mk/*.mk

.PHONY: setup check test units sanity lint changelog-lint build-install plan bench bench-inventory clean distclean

setup:
	bash scripts/setup.sh

$(SETUP_STAMP): scripts/setup.sh requirements-dev.txt requirements.txt
	bash scripts/setup.sh

$(COLLECTION_LINK):
	bash scripts/setup.sh

.SECONDEXPANSION:
check: $$(CHECK_TARGETS)

test: check $$(TEST_TARGETS)

# pytest.ini sets testpaths=tests/unit and -q. build/collections on
# PYTHONPATH makes `import ansible_collections.refarch.ai_cluster...` resolve
# to this checkout. Exit 5 means "no tests collected": accepted (with a note)
# while tests/unit is still empty, any other failure fails.
units: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python -m pytest $(PYTEST_ARGS) || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "units: no tests collected (pytest exit 5)"; else exit $$rc; fi; }

# ansible-test needs a staged copy and offline tweaks: see scripts/sanity.sh. Then mypy
# (mk/types.mk): strict on the planner, the public functions of render and module_utils.
sanity: $(TOOLS)
	bash scripts/sanity.sh $(SANITY_ARGS)
	$(MAKE) --no-print-directory typecheck

# ansible-lint runs yamllint itself (config: .yamllint) as its yaml rule;
# settings and excluded paths are in .ansible-lint.
lint: $(TOOLS)
	ansible-lint

changelog-lint: $(TOOLS)
	antsibull-changelog lint

# Build the release tarball, check its contents, install it into a temp dir
# the way a user would (no Galaxy: --offline --no-deps) and import from there.
build-install: $(TOOLS)
	rm -rf $(DIST_DIR)
	ansible-galaxy collection build --force --output-path $(DIST_DIR) .
	tarball=$$(ls $(DIST_DIR)/refarch-ai_cluster-*.tar.gz); \
	tar -tzf "$$tarball" > $(DIST_DIR)/contents.txt; \
	grep -qx 'MANIFEST.json' $(DIST_DIR)/contents.txt || { echo "MANIFEST.json missing from $$tarball"; exit 1; }; \
	grep -q '^plugins/' $(DIST_DIR)/contents.txt || { echo "plugins/ missing from $$tarball"; exit 1; }; \
	if grep -E '^(\.venv|build|tests/output|\.git)/' $(DIST_DIR)/contents.txt; then \
	  echo "local files leaked into $$tarball (see build_ignore in galaxy.yml)"; exit 1; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	ansible-galaxy collection install --offline --no-deps --force -p "$$tmp" "$$tarball" \
	  > "$$tmp/install.log" 2>&1 || { cat "$$tmp/install.log"; exit 1; }; \
	for mod in $(IMPORT_CHECKS); do \
	  (cd "$$tmp" && PYTHONPATH="$$tmp" python -c "import $$mod") \
	    || { echo "cannot import $$mod from the installed tarball"; exit 1; }; \
	done; \
	echo "build-install: $$tarball OK ($$(wc -l < $(DIST_DIR)/contents.txt) entries; imports: $(or $(IMPORT_CHECKS),none))"

plan: $(TOOLS)
	ansible-playbook playbooks/plan.yml -e "design=$(abspath $(DESIGN))" -e "plan_dir=$(abspath $(PLAN_DIR))"

# The planner's benchmarks, then switch configurations beside pyavd (mk/bench.mk).
bench: $(TOOLS)
	python benchmarks/run.py
	$(MAKE) --no-print-directory bench-pyavd

# The inventory plugin against a static inventory of the same hosts: over half an hour.
bench-inventory: $(TOOLS)
	python benchmarks/inventory_bench.py

# Build output and test results; keeps .venv (see distclean).
clean:
	rm -rf build tests/output .pytest_cache .hypothesis
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv
