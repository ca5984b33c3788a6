# Switch configurations beside pyavd (included by the Makefile: -include mk/*.mk; figures in
# docs/performance.md, "Switch configurations beside pyavd"). `make bench` runs it after the
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

PYAVD_BENCH_ARGS ?=

.PHONY: bench-pyavd

bench-pyavd: $(TOOLS)
	python benchmarks/pyavd_bench.py $(PYAVD_BENCH_ARGS)
