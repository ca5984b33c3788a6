# The plan's pictures (included by the Makefile: -include mk/*.mk; docs/drawings.md).
#
#   make readme-drawings   redraw the README's pictures (docs/images/*.svg): a rack elevation and the
#                          compute fabric of the lab and of the training pod, by the code `make plan` uses
#
# `make plan` itself writes every drawing, the install sheets and index.html into the plan folder.

.PHONY: readme-drawings

readme-drawings: $(TOOLS)
	python scripts/readme_drawings.py
