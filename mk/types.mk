# Type checking (included by the Makefile: -include mk/*.mk).
#
#   make typecheck     mypy (config: mypy.ini) over the planner (strict), the renderers, the lifecycle
#                      (plugin_utils/render), validation (plugin_utils/validate) and the
#                      module_utils the controller shares; run from
#                      build/collections on the package path through the collection link, so
#                      ansible_collections.refarch.ai_cluster.* resolves to this checkout.
#
# Extra arguments: make typecheck MYPY_ARGS='--no-incremental'.

MYPY_ARGS ?=
TYPECHECK_PACKAGES ?= plugins.plugin_utils.planner plugins.plugin_utils.render plugins.plugin_utils.validate \
	plugins.plugin_utils.lifecycle
TYPECHECK_MODULES ?= plugins.module_utils.constants plugins.module_utils.platforms plugins.module_utils.errors \
	plugins.module_utils.fileio plugins.module_utils.ib_fabric plugins.module_utils.slurm_pool \
	plugins.module_utils.slurm_accounts plugins.module_utils.slurm_drain plugins.module_utils.version_probes

.PHONY: typecheck

typecheck: $(TOOLS)
	cd build/collections && mypy --config-file $(ROOT)/mypy.ini \
	  $(foreach p,$(TYPECHECK_PACKAGES),-p ansible_collections.refarch.ai_cluster.$(p)) \
	  $(foreach m,$(TYPECHECK_MODULES),-m ansible_collections.refarch.ai_cluster.$(m)) $(MYPY_ARGS)
