# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-back rule: every piece of state a role writes has a check in validation.

A role that configures something validation never reads back leaves a class of faults invisible
(a policy rule deleted, a sysctl reset, a file edited by hand). ``READBACK`` names, for every task
of every configuring role that writes state on a device, the check that reads that state back and
what it compares; tests/unit/validate/test_readback.py parses the roles' tasks and fails when a
writing task has no entry here, when an entry names a check that does not exist, or when an entry
names a task that no longer exists. Tasks that write only on the controller or a staging area
(backups, rendered files, files compared before they are applied) are listed in ``NOT_DEVICE_STATE``
with the reason.

``switch_readback`` gives the gatherer what to read on a switch of each platform: the kernel
settings its renderer sets (the platform registry) and the services the role enables.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import PLATFORMS

#: Roles that configure devices (lab_twin builds the twin; validate only reads).
CONFIGURING_ROLES = ("fabric_switch", "gpu_host", "host_network", "ib_fabric", "slurm")

#: Services roles/fabric_switch/tasks/lab.yml starts and enables on a lab switch.
SWITCH_SERVICES = {"lab": ("frr.service", "lldpd.service")}

#: (role, task name) -> (check function of validation, what it compares).
READBACK = {
    # slurm: what slurmctld holds (scontrol, sacctmgr on the primary controller) and the units enabled.
    ("slurm", "Packages of this host's duties"): (
        "check_scheduler", "slurmctld answers and every node registered (slurmd); accounts read from slurmdbd"),
    ("slurm", "MUNGE key shared by every Slurm host"): (
        "check_scheduler", "every node registered: MUNGE authenticates slurmd to slurmctld with the shared key"),
    ("slurm", "MUNGE runs with that key"): ("check_services", "munge enabled on every Slurm host"),
    ("slurm", "Slurm's files on every Slurm host"): (
        "check_scheduler", "nodes with their GPUs and addresses, partitions, topology as slurmctld read them"),
    ("slurm", "MariaDB runs"): ("check_services", "mariadb enabled on the accounting head node"),
    ("slurm", "Accounting database"): ("check_scheduler", "the accounts read back through slurmdbd"),
    ("slurm", "Database user of slurmdbd, on the local socket only"): (
        "check_scheduler", "the accounts read back through slurmdbd, which logs in as that user"),
    ("slurm", "Configuration of slurmdbd, readable by the slurm user only (it holds the database password)"): (
        "check_scheduler", "the accounts read back through slurmdbd"),
    ("slurm", "Run slurmdbd with it"): ("check_services", "slurmdbd enabled; it answers (check_scheduler)"),
    ("slurm", "State directory of slurmctld"): ("check_scheduler", "slurmctld answers"),
    ("slurm", "The cluster in the accounting database, before slurmctld registers with it"): (
        "check_scheduler", "the tenants' associations of the cluster"),
    ("slurm", "Run slurmctld with the plan's files"): ("check_services", "slurmctld enabled; it answers (check_scheduler)"),
    ("slurm", "The tenants' accounts, with their GPU limits and fair shares"): (
        "check_scheduler", "each tenant's account, GPU limit (GrpTRES gres/gpu) and fair share"),
    ("slurm", "Directories of the mode switch"): ("check_scheduler", "the pool's partitions in one planned mode"),
    ("slurm", "The mode switch's logic (the collection's module_utils/slurm_pool.py, unit-tested there)"): (
        "check_scheduler", "the pool's partitions in one planned mode"),
    ("slurm", "The mode switch command"): ("check_scheduler", "the pool's partitions in one planned mode"),
    ("slurm", "The pool's modes from the plan"): ("check_scheduler", "the pool's partitions in one planned mode"),
    ("slurm", "The switch's service and one timer per mode, at its start time"): (
        "check_services", "each planned mode's timer enabled"),
    ("slurm", "Remove them"): ("check_services", "the planned timers enabled (a stale timer left behind is not read)"),
    ("slurm", "Timers enabled and started (stopped with slurm_mode_timers false)"): (
        "check_services", "each planned mode's timer enabled"),
    ("slurm", "The mode in force now (also after slurmctld read its partitions again from slurm.conf)"): (
        "check_scheduler", "the pool's partitions in one planned mode"),
    ("slurm", "Run slurmd with the plan's files"): ("check_services", "slurmd enabled; the node registered (check_scheduler)"),
    # fabric_switch: the switch's interfaces, addresses, BGP, kernel settings and daemons.
    ("fabric_switch", "Install the lab interface tool"): (
        "check_links", "the interfaces it converges: present, up, MTU, addresses (check_mtu, check_addresses)"),
    ("fabric_switch", "Start FRR and lldpd"): (
        "check_services", "frr and lldpd enabled; bgpd answering (check_bgp_sessions) and LLDP read (check_cabling)"),
    ("fabric_switch", "Write the switch's files"): (
        "check_bgp_sessions", "frr.conf: sessions and ASNs; links.conf: ports, MTUs, addresses, bridge gateway "
                              "(check_links, check_mtu, check_addresses, check_gateway_mtu), sysctls (check_sysctls); "
                              "lldpd.conf: neighbours (check_cabling)"),
    ("fabric_switch", "Converge the switch's interfaces"): (
        "check_mtu", "port and gateway MTUs, addresses, kernel settings (check_gateway_mtu, check_addresses, check_sysctls)"),
    ("fabric_switch", "Reload FRR with the difference only"): ("check_bgp_sessions", "every planned session Established"),
    ("fabric_switch", "Restart lldpd for its new configuration"): ("check_cabling", "LLDP neighbours of every port"),
    ("fabric_switch", "Load it as the pending configuration"): ("check_links", "Cumulus: the applied NVUE configuration"),
    ("fabric_switch", "Run nv config apply --confirm"): (
        "check_bgp_sessions", "Cumulus: ports, addresses, MTUs, BGP read back as on every FRR switch"),
    ("fabric_switch", "Confirm the change"): ("check_links", "Cumulus: the confirmed configuration, as above"),
    ("fabric_switch", "Run config replace"): ("check_bgp_sessions", "SONiC: ports, addresses, MTUs, BGP (FRR) read back"),
    ("fabric_switch", "Save the configuration as the startup configuration"): (
        "check_links", "SONiC: the running configuration it saves is what is read back"),
    # gpu_host: driver and its packages, kernel settings, services, limits, MIG.
    ("gpu_host", "Update the GRUB configuration"): ("check_gpu_host", "the kernel parameters on /proc/cmdline"),
    ("gpu_host", "Update the initramfs"): ("check_gpu_host", "nouveau not loaded (/proc/modules)"),
    ("gpu_host", "Fetch repository signing keys"): ("check_gpus", "the driver branch installed (nvidia-smi)"),
    ("gpu_host", "Install repository signing keys given inline"): ("check_gpus", "the driver branch installed"),
    ("gpu_host", "Repositories (deb822 sources)"): ("check_gpus", "the driver branch installed"),
    ("gpu_host", "Pin the NVIDIA driver packages to the branch"): ("check_gpus", "the driver branch installed"),
    ("gpu_host", "Refresh the package index after repository changes"): ("check_gpus", "the driver branch installed"),
    ("gpu_host", "Release the holds of another driver branch or version (an explicit change of the variables)"): (
        "check_gpus", "the driver branch installed"),
    ("gpu_host", "Install the GPU packages"): ("check_gpus", "GPUs answer, the driver branch, the NVSwitch fabric"),
    ("gpu_host", "Hold the driver packages (apt-mark hold)"): ("check_gpus", "the driver branch installed"),
    ("gpu_host", "Repositories"): ("check_gpus", "the driver branch installed"),
    ("gpu_host", "Install the DNF versionlock plugin"): ("check_gpus", "the driver branch installed"),
    ("gpu_host", "Lock the driver packages at their installed versions (dnf versionlock)"): (
        "check_gpus", "the driver branch installed"),
    ("gpu_host", "Kernel parameters for GRUB (Debian, Ubuntu)"): ("check_gpu_host", "the kernel parameters on /proc/cmdline"),
    ("gpu_host", "Add missing kernel arguments to every boot entry (RHEL)"): (
        "check_gpu_host", "the kernel parameters on /proc/cmdline"),
    ("gpu_host", "Keep nouveau from binding the GPUs"): ("check_gpu_host", "nouveau not loaded"),
    ("gpu_host", "Load nvidia-peermem at boot (GPUDirect RDMA)"): ("check_gpu_host", "nvidia_peermem loaded"),
    ("gpu_host", "Do not load nvidia-peermem at boot when not wanted"): ("check_gpu_host", "nvidia_peermem as wanted"),
    ("gpu_host", "Unlimited locked memory for RDMA (verbs register and pin their buffers)"): (
        "check_gpu_host", "the memlock lines of the limits file"),
    ("gpu_host", "Script that applies the MIG layout"): ("check_gpu_host", "MIG on where a profile is planned, no change pending"),
    ("gpu_host", "Boot unit that applies the MIG layout (instances do not survive a reboot)"): (
        "check_gpu_host", "MIG on where a profile is planned"),
    ("gpu_host", "Enable the MIG unit"): ("check_gpu_host", "MIG on where a profile is planned"),
    ("gpu_host", "Apply the layout to the GPUs that differ (destroys their GPU instances)"): (
        "check_gpu_host", "MIG on, no change pending"),
    ("gpu_host", "Enable the GPU services, and start them where the driver runs"): (
        "check_gpu_host", "persistence mode on (nvidia-persistenced); the NVSwitch fabric registered (check_gpus)"),
    ("gpu_host", "Load nvidia-peermem now"): ("check_gpu_host", "nvidia_peermem loaded"),
    ("gpu_host", "IMEX node list (the NVLink domain's trays, one address per line)"): (
        "check_imex", "the file lists the NVLink domain's trays, in the plan's order"),
    ("gpu_host", "Enable the IMEX service, and start it where the driver runs"): ("check_imex", "nvidia-imex enabled"),
    ("gpu_host", "Restart nvidia-imex"): ("check_imex", "nvidia-imex enabled; the node list it reads"),
    # host_network: addresses, MTUs, policy routing, sysctls, NCCL, RoCE QoS.
    ("host_network", "Reload systemd-networkd"): ("check_host_routing", "rules and per-NIC tables; addresses, MTUs"),
    ("host_network", "Reconfigure the fabric NICs"): ("check_addresses", "addresses, MTUs, rules and routes"),
    ("host_network", "Apply netplan"): ("check_addresses", "addresses, MTUs, rules and routes"),
    ("host_network", "Reload NetworkManager connections"): ("check_addresses", "addresses, MTUs, rules and routes"),
    ("host_network", "Bring the changed connections up"): ("check_addresses", "addresses, MTUs, rules and routes"),
    ("host_network", "Apply the RoCE QoS"): ("check_roce_qos", "trust, PFC, traffic class, ECN of each RDMA NIC"),
    ("host_network", "Names of the routing tables (ip rule and ip route show them)"): (
        "check_host_routing", "rules and routes name the per-NIC tables (by number or name)"),
    ("host_network", "NCCL settings"): ("check_nccl_conf", "the file's KEY=VALUE lines against the derived settings"),
    ("host_network", "Netplan configuration of the fabric NICs"): (
        "check_host_routing", "what it configures: addresses, MTUs (check_addresses, check_mtu), rules, routes"),
    ("host_network", "Keep systemd-networkd off routes and rules it did not make"): (
        "check_host_routing", "routes in the per-NIC tables that are not the plan's (warning)"),
    ("host_network", "One .network file per fabric NIC"): (
        "check_host_routing", "addresses, MTUs (check_addresses, check_mtu), rules and routes"),
    ("host_network", "One .netdev file per bond (the in-band ports)"): ("check_links", "the bond exists and is up"),
    ("host_network", "One .network file per bond member"): ("check_links", "the members exist and are up"),
    ("host_network", "Remove them"): ("check_unplanned_addresses", "addresses the plan no longer gives out"),
    ("host_network", "Run systemd-networkd"): ("check_addresses", "the addresses it sets"),
    ("host_network", "One NetworkManager keyfile per fabric NIC"): (
        "check_host_routing", "addresses, MTUs (check_addresses, check_mtu), rules and routes"),
    ("host_network", "One NetworkManager keyfile per bond member"): ("check_links", "the members exist and are up"),
    ("host_network", "Script that sets the RoCE QoS of the NICs (trust DSCP, PFC, RDMA-CM ToS, ECN)"): (
        "check_roce_qos", "trust, PFC, traffic class, ECN of each RDMA NIC"),
    ("host_network", "Unit that sets it again at every boot (the NIC forgets it)"): (
        "check_roce_qos", "refarch-roce-qos.service enabled"),
    ("host_network", "Enable the unit"): ("check_roce_qos", "refarch-roce-qos.service enabled"),
    ("host_network", "ARP and reverse-path settings at boot (udev applies the per-NIC ones when the NIC appears)"): (
        "check_sysctls", "the running values of every setting of the file"),
    ("host_network", "Set the values that differ (NICs that do not exist yet get theirs when they appear)"): (
        "check_sysctls", "the running values"),
    # ib_fabric: OpenSM, read back through the fabric it brings up (ib_fabric_check).
    ("ib_fabric", "Restart OpenSM"): ("check_subnet", "the SM MASTER (standby: STANDBY), SUBNET UP, every LID given"),
    ("ib_fabric", "Install OpenSM and the InfiniBand diagnostics"): ("check_subnet", "OpenSM runs and answers"),
    ("ib_fabric", "Write the files OpenSM reads"): (
        "check_subnet", "opensm.conf: the routing engine used and the SM state; root_guids.conf: the engine routes "
                        "(a wrong root fails ftree); node-name-map: the names of the cabling findings (check_cabling "
                        "of ib_checks); partitions.conf: errors OpenSM logs reading it"),
    ("ib_fabric", "Run OpenSM on the port of this fabric only (Debian)"): ("check_subnet", "the SM MASTER on that fabric"),
    ("ib_fabric", "Enable and start OpenSM"): ("check_subnet", "the SM MASTER (standby: STANDBY)"),
}

#: (role, task name) -> why what it writes is not device state to read back.
NOT_DEVICE_STATE = {
    ("slurm", "Render slurm.conf, gres.conf, topology.conf and cgroup.conf from the plan"): (
        "files rendered on the controller"),
    ("fabric_switch", "Create the backup directory of the switch for today"): "a backup folder on the controller",
    ("fabric_switch", "Save the running configuration before the change ({{ fabric_switch_backup_name }})"): (
        "a backup on the controller"),
    ("fabric_switch", "Work out the target configuration and compare it with the applied one"): (
        "compares on the controller; changes nothing"),
    ("fabric_switch", "Create the staging directory"): "a staging folder the next task fills",
    ("fabric_switch", "Stage the target configuration"): "a staging copy; what it applies is read back",
    ("fabric_switch", "Drop the pending configuration"): "discards a change that was not applied",
    ("fabric_switch", "Compare the switch's files with the plan"): "check mode only: shows the difference",
    ("fabric_switch", "Compare the switch's interfaces with the plan"): "--check only: shows the difference",
    ("fabric_switch", "Work out and render every switch's configuration from the plan, in one pass on the controller"): (
        "files rendered on the controller"),
    ("fabric_switch", "Work out the target config_db and compare it with the running one"): (
        "compares on the controller; changes nothing"),
    ("fabric_switch", "Take a checkpoint to roll back to"): "a rollback point on the switch",
    ("fabric_switch", "Stage the target config_db"): "a staging copy; what it applies is read back",
    ("fabric_switch", "Roll back to the checkpoint"): "undoes a failed change; the result is read back as any other",
    ("gpu_host", "Directory of repository keys"): "a folder for the keys",
    ("gpu_host", "Directory of GRUB settings (Debian, Ubuntu)"): "a folder for the GRUB file",
    ("gpu_host", "IMEX configuration directory"): "the folder of the IMEX node list, read back with it",
    ("gpu_host", "Release the locks of another driver branch or version (an explicit change of the variables)"): (
        "removes locks; the driver branch installed is read back"),
    ("gpu_host", "Reboot ({{ gpu_host_reboot_reasons | join('; ') }})"): "a reboot; what it activates is read back",
    ("gpu_host", "Read the GPUs again now that the services run"): "reads only",
    ("gpu_host", "Ask the driver about the GPUs"): "reads only",
    ("host_network", "Directory of routing table names"): "a folder for the table names",
    ("host_network", "Directory of systemd-networkd settings"): "a folder for the settings",
    ("host_network", "Render every GPU node's network files from the plan, in one pass on the controller"): (
        "files rendered on the controller"),
    ("host_network", "Render this host's files from its own facts where they differ from the plan's"): (
        "files rendered on the controller"),
    ("ib_fabric", "Match the fabric to the plan and decide the SM configuration"): "decides on the controller",
    ("ib_fabric", "Create the configuration directories"): "folders for the files",
    ("ib_fabric", "Check the fabric against the plan"): "reads only (it is the read-back)",
}


def switch_readback(platform: str | None) -> dict:
    """validate_gather options for a switch of ``platform``: the sysctls and services its role sets."""
    record = PLATFORMS.get(platform or "")
    out: dict = {}
    if record is not None and record.sysctls:
        out["sysctls"] = [name for name, _value in record.sysctls]
    if platform in SWITCH_SERVICES:
        out["services"] = list(SWITCH_SERVICES[platform])
    return out
