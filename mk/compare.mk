# Designs side by side (included by the Makefile: -include mk/*.mk; see docs/compare.md).
#
#   make compare       plan every variant of COMPARE_DESIGN and write compare.md and compare.csv
#                      into build/compare/<name> (COMPARE_DIR); prints compare.md
#
# The design: DESIGN=FILE on the command line (as for `make plan`), else COMPARE_DESIGN, by default
# the training pod. VARIANTS: JSON, a dotted path into the design -> the values to try (a mapping
# is merged into the mapping at its path); by default the training pod's compute fabric on
# InfiniBand and on RoCE:
#   make compare DESIGN=inventories/training-pod/design.yml \
#     VARIANTS='{"fabrics.compute.oversubscription": [1, 2]}'
# The playbook does the same from an installed collection: playbooks/compare.yml.

COMPARE_DESIGN ?= $(if $(filter command line environment,$(origin DESIGN)),$(DESIGN),inventories/training-pod/design.yml)
VARIANTS ?= {"fabrics.compute": [{"kind": "infiniband", "switch": "qm9700"}, {"kind": "roce", "switch": "sn5600"}]}
COMPARE_DESIGN_NAME = $(basename $(notdir $(COMPARE_DESIGN)))
COMPARE_NAME = $(if $(filter design,$(COMPARE_DESIGN_NAME)),$(notdir $(patsubst %/,%,$(dir $(COMPARE_DESIGN)))),$(COMPARE_DESIGN_NAME))
COMPARE_DIR ?= build/compare/$(COMPARE_NAME)

.PHONY: compare

compare: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python scripts/compare.py --design '$(COMPARE_DESIGN)' --variants '$(VARIANTS)' --dest '$(COMPARE_DIR)'
