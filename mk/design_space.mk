# Design-space property tests (#16 item 5; tests/unit/planner/test_design_space.py, strategies in
# tests/unit/planner/design_space.py): every reference x server x switch x fabrics on/off x 1 to
# 2,048 nodes x options plans with its invariants holding, or is refused by a DesignError naming
# a field; bad-input mutations alike. The `ci` Hypothesis profile runs in `make units` (so in
# `make check`); the long one is a nightly target beside `make bench`, not a CHECK or TEST target.
#   make design-space   the `long` profile: 10,000 designs and 5,000 mutations, new ones each run
#                       (both tests side by side on DESIGN_SPACE_WORKERS), then one line of counts
#                       per test and a total (benchmarks/design_space.py); tens of minutes on 2 cores
#   make design-space DESIGN_SPACE_PROFILE=ci    the CI examples only (reproducible, seconds)
# Failing examples are kept in .hypothesis/ and tried first on the next run (`make clean` drops them).
DESIGN_SPACE_PROFILE ?= long
DESIGN_SPACE_WORKERS ?= 2

.PHONY: design-space

design-space: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python benchmarks/design_space.py \
	  --profile $(DESIGN_SPACE_PROFILE) --workers $(DESIGN_SPACE_WORKERS)
