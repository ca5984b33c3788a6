# Ethernet fabric switches (roles/fabric_switch, playbooks/switches.yml).
#   make switch-golden        re-render tests/golden/switches after an intended change (review the diff)
#   make switch-golden-check  fail when a template or the planner no longer renders the golden files
#   make switches-molecule    the role against the lab twin: converge, idempotence, check, verify
#                             (BGP Established, ECMP over all spines), a grown plan applied as a diff
.PHONY: switch-golden switch-golden-check switches-molecule

switch-golden: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python tests/unit/switch_golden.py --update

switch-golden-check: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python tests/unit/switch_golden.py

switches-molecule: $(TOOLS)
	molecule test -s default

CHECK_TARGETS += switch-golden-check
TEST_TARGETS += switches-molecule
