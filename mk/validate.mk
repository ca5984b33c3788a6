# Validation (roles/validate, playbooks/validate.yml; see docs/validation.md).
#   make validate           validate the lab twin of `make lab` (LAB_INVENTORY, LAB_PLAN_DIR)
#   make validate-twin      a twin of its own (the lab fabric without its head node, named val): clean, then eleven injected
#                           faults, each found and named exactly (tests/validate)
#   make validate-record    the same, storing what each run gathered as the unit-test fixtures
#                           (tests/unit/fixtures/validate/twin-*.json)
#   make validate-bench     validation of the larger lab design (inventories/lab-large) in its own
#                           twin, timed; prints one JSON line (benchmarks/validate_bench.py)
VALIDATE_INVENTORY ?= inventories/lab/cluster.yml
VALIDATE_PLAN_DIR ?= build/plan/lab

.PHONY: validate validate-twin validate-record validate-bench

validate: $(TOOLS)
	ANSIBLE_FORKS=$${ANSIBLE_FORKS:-32} ansible-playbook -i $(VALIDATE_INVENTORY) playbooks/validate.yml \
	  -e "plan_dir=$(abspath $(VALIDATE_PLAN_DIR))"

validate-twin: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python -m pytest -p no:cacheprovider -rsw -s tests/validate

validate-record: $(TOOLS)
	REFARCH_VALIDATE_RECORD=1 PYTHONPATH=$(ROOT)/build/collections python -m pytest -p no:cacheprovider -rsw -s tests/validate

validate-bench: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python benchmarks/validate_bench.py

TEST_TARGETS += validate-twin
