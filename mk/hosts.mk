# GPU hosts (roles/gpu_host, roles/host_network, plugins/modules/gpu_facts.py; docs/gpu-hosts.md).
# Included by the Makefile (-include mk/*.mk).
#
#   molecule-gpu-host      gpu_host against real APT in a lab node container, with a signed
#                          local repository of stand-in packages (about 3-5 min on 2 cores)
#   molecule-host-network  host_network in a lab node container wired to a stand-in fabric
#   hosts-twin             host_network on a lab twin of its own (lab design renamed hn) with its
#                          switches configured: all nodes reach all nodes on all rails, replies
#                          leave by the NIC the request came in on (tests/lab/test_host_network_twin.py)
# Molecule needs root, podman (runc), debootstrap, dpkg-deb and gpg.

.PHONY: molecule-gpu-host molecule-host-network molecule-hosts hosts-twin

molecule-gpu-host: $(TOOLS)
	molecule test -s gpu_host

molecule-host-network: $(TOOLS)
	molecule test -s host_network

molecule-hosts: molecule-gpu-host molecule-host-network

hosts-twin: $(TOOLS)
	PYTHONPATH=$(ROOT)/build/collections$${PYTHONPATH:+:$$PYTHONPATH} \
	  python -m pytest -q -p no:cacheprovider tests/lab/test_host_network_twin.py $(PYTEST_ARGS)

TEST_TARGETS += molecule-hosts
