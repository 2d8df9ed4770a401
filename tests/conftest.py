"""Shared test setup: quiet TensorFlow, a fixed seed for every test, and the bad-input case count."""

import collections
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402

# Bad inputs tried by tests/test_bad_input.py, per test; printed at the end of the run.
BAD_INPUT_CASES = pytest.StashKey[collections.Counter]()


@pytest.fixture(autouse=True)
def fixed_seed():
    keras.utils.set_random_seed(1234)
    yield


@pytest.fixture(scope="session")
def bad_input_cases(request) -> collections.Counter:
    """A counter that the bad-input property tests add every case they try to (session-wide,
    so Hypothesis runs every example of a test against the same counter)."""
    return request.config.stash.setdefault(BAD_INPUT_CASES, collections.Counter())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    cases = config.stash.get(BAD_INPUT_CASES, None)
    if not cases:
        return
    terminalreporter.section("bad-input property tests")
    for test, count in sorted(cases.items()):
        terminalreporter.write_line(f"{count:6d}  {test}")
    terminalreporter.write_line(f"bad-input cases tried: {sum(cases.values())}")
