# The artifact a Galaxy user installs (included by the Makefile: -include mk/*.mk).
#
#   make dist-check   tests/dist: build the collection tarball and check that it holds what users
#                     need and no development files (build_ignore in galaxy.yml); install it
#                     offline, plan the shipped lab design with refarch.ai_cluster.plan in a fresh
#                     venv that has only ansible-core and the collection's requirements.txt (pip
#                     needs PyPI or its cache); check what ansible-builder sees of the collection
#                     (meta/execution-environment.yml) and run `ansible-builder create` (offline)
#                     for an execution environment that installs the tarball. About 20 s.
#
# pytest arguments: make dist-check DIST_PYTEST_ARGS='-k builder'.

CHECK_TARGETS += dist-check

DIST_PYTEST_ARGS ?=

.PHONY: dist-check

dist-check: $(TOOLS)
	python -m pytest -q -p no:cacheprovider tests/dist $(DIST_PYTEST_ARGS)
