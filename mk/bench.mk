# Switch configurations beside pyavd, and the configuration plays under Ansible's scale settings
# (included by the Makefile: -include mk/*.mk; figures in docs/performance.md, "Switch
# configurations beside pyavd" and "Deploying at scale"). `make bench` runs bench-pyavd after the
# planner benchmarks.
#
#   make bench-pyavd   render_plan against Arista AVD's pyavd on the same fabric, per device, with the
#                      ratio per platform (EOS, SONiC, Cumulus), and the 64-SU Ethernet fabric's
#                      configs against 30 s (benchmarks/pyavd_bench.py); about 4 minutes on 2 idle
#                      cores, 8 under load (pyavd itself takes most of it).
#                      pyavd is not a dependency: the first run makes its own virtualenv,
#                      build/bench-pyavd-venv (pip install pyavd==6.4.0; needs PyPI or its cache).
#
# Arguments: make bench-pyavd PYAVD_BENCH_ARGS='--quick --repeat 1' (--nodes N, --no-big).
#
#   make bench-deploy  the configuration plays on a twin of inventories/lab-large of its own (dpx:
#                      14 containers) under Ansible's scale settings: forks, strategy, pipelining,
#                      fabric_switch_serial, fact caching and gather_subset; one JSON line with the
#                      runs and which setting won (benchmarks/deploy_bench.py; docs/performance.md,
#                      "Deploying at scale"). Needs root, podman and runc, else it prints why and
#                      skips. 11 to 16 minutes on 2 busy cores, so `make bench` does not run it.
#                      DEPLOY_BENCH_ARGS='--hosts' adds the host_network play (minutes more);
#                      '--name X' another twin name (not val, vbx, hn or lab: other tests use them).

PYAVD_BENCH_ARGS ?=
DEPLOY_BENCH_ARGS ?=

.PHONY: bench-pyavd bench-deploy

bench-pyavd: $(TOOLS)
	python benchmarks/pyavd_bench.py $(PYAVD_BENCH_ARGS)

bench-deploy: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections python benchmarks/deploy_bench.py $(DEPLOY_BENCH_ARGS)
