"""Property-based: any value for any config key is either a valid config or one ConfigError line.

Hypothesis draws a key (every leaf of :class:`goodfit.Config`, and of the generative config) and a
hostile value (wrong type, negative, zero, NaN, inf, huge, empty, a list, a path); then the CLI's
``check`` runs on a few of the drawn configs that are valid, so a value that passes the config but
breaks later is caught too.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability.harness import TALLY, judge, run_inprocess

from goodfit.config import Config, apply_overrides, config_to_dict
from goodfit.errors import GoodfitError
from goodfit.generative.config import GenConfig

pytestmark = pytest.mark.reliability


def _keys(cfg) -> list[str]:
    def walk(node, prefix):
        for key, value in node.items():
            yield from walk(value, f"{prefix}{key}.") if isinstance(value, dict) else [prefix + key]
    return sorted(walk(config_to_dict(cfg), ""))


HOSTILE = st.one_of(
    st.sampled_from(["-1", "0", "nan", "inf", "-inf", "1e308", "99999999999999999999999", "-99999999999999999999",
                     "", "null", "true", "[]", "{}", "abc", "../../x", "1,2,3", "0.5", "-0.5", "1e-300", "2**40",
                     "\u00fc\u00f6", "a b", "\x00"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12).filter(lambda t: "," not in t),
)

SETTINGS = settings(max_examples=400, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("cfg", [Config(), GenConfig()], ids=["config", "generative"])
@SETTINGS
@given(data=st.data())
def test_any_value_is_a_config_or_one_config_error(cfg, data):
    key = data.draw(st.sampled_from(_keys(cfg)), label="key")
    value = data.draw(HOSTILE, label="value")
    TALLY["config values tried"] += 1
    try:
        apply_overrides(cfg, [f"{key}={value}"])
    except GoodfitError as exc:
        message = str(exc)
        assert message and "\n" not in message, repr(message)
        TALLY["config values refused"] += 1


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_check_survives_any_valid_value(data, tmp_path_factory):
    """``goodfit check`` on a drawn config: it lints (exit 0 or 1) or fails in one line, never a traceback."""
    key = data.draw(st.sampled_from([k for k in _keys(Config()) if not k.startswith(("data.name", "data.root"))]))
    value = data.draw(HOSTILE)
    args = ["check", "data.name=digits", f"{key}={value}", f"out_dir={tmp_path_factory.mktemp('c')}"]
    outcome = run_inprocess(args)
    if outcome.code in (0, 1) and not outcome.traceback:
        TALLY["cases tried"] += 1
        return
    problem = judge(outcome)
    assert problem is None, f"goodfit {' '.join(args)}\n{problem}"
