# Switch configurations of a design without an inventory (docs/switches.md, "Render only").
#
#   make configs DESIGN=inventories/inference-pool/design.yml   every Ethernet switch's files into
#                                                                build/configs/<name>/<switch>/
# CONFIGS_DIR overrides the folder; CONFIGS_ARGS passes --unnumbered, --host-vlan N or --check.

CONFIGS_DIR ?= build/configs/$(PLAN_NAME)
CONFIGS_ARGS ?=

.PHONY: configs

configs: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python scripts/configs.py --design '$(DESIGN)' --dest '$(CONFIGS_DIR)' $(CONFIGS_ARGS)
