# InfiniBand targets (included by the Makefile: -include mk/*.mk).
#
#   make ib            tests/ib: golden files of the ib_fabric role with its check, diff and
#                      second run; its UFM path against a stand-in REST API; the ibsim twin
#                      tests (skipped, saying why, without the Debian packages ibsim-utils,
#                      opensm and infiniband-diags)
#   make ib-twin       bring the InfiniBand twin of IB_DESIGN up (build/ib-twin/<name>)
#   make ib-twin-down  stop it and remove its directory
#
# pytest arguments (default: two workers, one test file each): make ib IB_PYTEST_ARGS='-k golden'.

TEST_TARGETS += ib

IB_DESIGN ?= inventories/lab-ib/design.yml
IB_PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: ib ib-twin ib-twin-down

ib: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python -m pytest -q tests/ib $(IB_PYTEST_ARGS)

ib-twin: $(TOOLS)
	ansible-playbook playbooks/ib_twin.yml -e "ib_twin_design=$(abspath $(IB_DESIGN))"

ib-twin-down: $(TOOLS)
	ansible-playbook playbooks/ib_twin.yml -e "ib_twin_design=$(abspath $(IB_DESIGN))" -e ib_twin_state=absent
