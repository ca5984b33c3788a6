# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument helpers of the action plugins: plain data out, bad values named."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool, choice, plain


def test_choice_gives_the_value_or_the_default():
    assert choice({"sm_role": "standby"}, "sm_role", ("primary", "standby"), "primary") == "standby"
    assert choice({}, "sm_role", ("primary", "standby"), "primary") == "primary"
    assert choice({"sm_role": None}, "sm_role", ("primary", "standby"), "primary") == "primary"


def test_choice_names_the_argument_and_the_allowed_values():
    with pytest.raises(AnsibleActionFail) as err:
        choice({"fail_on": "sometimes"}, "fail_on", ("error", "warning", "never"), "error")
    assert str(err.value) == "fail_on must be one of error, warning, never, not 'sometimes'"


@pytest.mark.parametrize("value, expected", [(True, True), ("yes", True), ("Off", False), ("0", False)])
def test_as_bool_accepts_ansible_spellings(value, expected):
    assert as_bool(value, "adaptive_routing") is expected


def test_as_bool_names_the_argument():
    with pytest.raises(AnsibleActionFail) as err:
        as_bool("maybe", "adaptive_routing")
    assert str(err.value) == "adaptive_routing must be a boolean, not 'maybe'"


def test_plain_turns_containers_into_builtins():
    class Tagged(str):
        pass

    out = plain({Tagged("a"): (Tagged("x"), 1, 2.5, None, True)})
    assert out == {"a": ["x", 1, 2.5, None, True]}
    assert {list(out)[0].__class__, out["a"][0].__class__} == {str}    # not the Tagged subclass
