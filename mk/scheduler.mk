# The shared pool's scheduler (roles/slurm, playbooks/scheduler.yml; see docs/scheduler.md).
#   make scheduler-twin   `make lab`'s path (site.yml) on a twin of its own (lab design renamed slm),
#                         then Slurm at work: idempotence and check mode, GPUs registered, topology
#                         placement, a tenant's quota, the day/night switch with signal and requeue,
#                         validation (tests/lab/test_slurm_twin.py); then, on the same twin, the
#                         lifecycle: drift report, batch plan, a roll stopped by a failing batch
#                         and its resume, drained and resumed in Slurm (tests/lab/test_lifecycle_twin.py)
.PHONY: scheduler-twin

scheduler-twin: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python -m pytest -p no:cacheprovider -rs tests/lab/test_slurm_twin.py \
	  tests/lab/test_lifecycle_twin.py $(PYTEST_ARGS)

TEST_TARGETS += scheduler-twin
