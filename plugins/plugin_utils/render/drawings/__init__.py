# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pictures of the plan for the people who buy, install and run the cluster (docs/drawings.md).

Rack elevations and the hall layout (``racks``), fabric drawings (``topology``), per-row install
sheets with cable labels (``install``) and the report page ``index.html`` that links them all
(``page``); ``writer`` writes them beside the plan's other artifacts. Everything here formats the
plan and decides nothing about it: the only input is a plan (or ``plan.json`` read back by
``records``) and, for the report page, the validation report when there is one.
"""
