# From workloads to designs (included by the Makefile: -include mk/*.mk; see docs/sizing.md).
#
#   make size          size WORKLOADS on every catalog server whose GPU has figures in the catalog;
#                      write sizing.md, sizing.json and a design file per candidate into
#                      build/size/<name> (SIZE_DIR); prints sizing.md
#
# WORKLOADS: the workload file, by default the first worked example of docs/sizing.md:
#   make size WORKLOADS=workloads/examples/training-70b.yml
#   make size WORKLOADS=my-workloads.yml SIZE_DIR=/tmp/size
# The folder is named after the file (foo.yml -> build/size/foo). The playbook does the same from
# an installed collection: playbooks/size.yml.

WORKLOADS ?= workloads/examples/enterprise-inference.yml
SIZE_NAME = $(basename $(notdir $(WORKLOADS)))
SIZE_DIR ?= build/size/$(SIZE_NAME)

.PHONY: size

size: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python scripts/size.py --workloads '$(WORKLOADS)' --dest '$(SIZE_DIR)'

# The worked examples' tables of docs/sizing.md, refreshed from the tool (a unit test fails when
# they differ from what it writes today, e.g. after the planner's power figures change).
.PHONY: size-doc

size-doc: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python scripts/size.py --update-doc docs/sizing.md
