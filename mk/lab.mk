# The lab twin: the embedded default design in podman containers wired by veth pairs.
#   make lab        set up, plan, bring the twin up, configure it with site.yml, validate, report
#   make lab-up     plan and bring the twin up only
#   make lab-down   remove every container and cable of the twin
LAB_DESIGN ?= inventories/lab/design.yml
LAB_INVENTORY ?= inventories/lab/cluster.yml
LAB_PLAN_DIR ?= build/plan/lab

.PHONY: lab lab-up lab-down lab-test

lab-up: $(TOOLS)
	ansible-playbook playbooks/plan.yml -e "design=$(abspath $(LAB_DESIGN))" -e "plan_dir=$(abspath $(LAB_PLAN_DIR))"
	ansible-playbook playbooks/lab.yml -e lab_state=present -e "plan_dir=$(abspath $(LAB_PLAN_DIR))"

# The README's main command. The twin is left running for a look inside.
lab: lab-up
	ANSIBLE_FORKS=$${ANSIBLE_FORKS:-16} ansible-playbook -i $(LAB_INVENTORY) playbooks/site.yml \
	  -e "plan_dir=$(abspath $(LAB_PLAN_DIR))"
	@echo
	@echo "== What was built ($(LAB_PLAN_DIR)) =="
	@python -c 'import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps(s, indent=2))' $(LAB_PLAN_DIR)/summary.json
	@if [ -f $(LAB_PLAN_DIR)/validation.md ]; then echo; echo "== Validation =="; cat $(LAB_PLAN_DIR)/validation.md; fi
	@echo
	@echo "The twin is running: podman ps --filter label=refarch.lab=lab"
	@echo "  look inside:  podman exec -it lab-leaf-1 vtysh     (show bgp summary, show ip route)"
	@echo "                podman exec -it lab-node-1 bash"
	@echo "  tear down:    make lab-down"

lab-down: $(TOOLS)
	ansible-playbook playbooks/lab.yml -e lab_state=absent -e "plan_dir=$(abspath $(LAB_PLAN_DIR))"

# The twin's own tests: every cable of the plan exists with its port names at both ends, up twice
# changes nothing, down leaves nothing behind.
lab-test: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python -m pytest -p no:cacheprovider tests/lab/test_twin.py

TEST_TARGETS += lab-test
