# Device files of a design without an inventory (docs/switches.md, "Render only").
#
#   make configs DESIGN=inventories/inference-pool/design.yml   every Ethernet switch's files into
#                                                                build/configs/<name>/<switch>/,
#       every GPU node's host_network files into build/configs/<name>/<node>/ (docs/gpu-hosts.md)
#       and each InfiniBand fabric's subnet manager files into build/configs/<name>/<fabric>-sm/
# CONFIGS_DIR overrides the folder; CONFIGS_ARGS passes --unnumbered, --host-vlan N, --backend B,
# --ib-guids FILE (plan name -> GUID, for the SM's GUID files) or --check.

CONFIGS_DIR ?= build/configs/$(PLAN_NAME)
CONFIGS_ARGS ?=

.PHONY: configs

configs: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python scripts/configs.py --design '$(DESIGN)' --dest '$(CONFIGS_DIR)' $(CONFIGS_ARGS)
