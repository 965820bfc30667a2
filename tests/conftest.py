"""Fixtures shared by every test module."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture
def one_torch_thread():
    """Torch on one intra-op thread for the test. The models of the tests are
    tiny: extra threads only add overhead, and on a busy machine their
    spin-waiting makes a 0.1 s step take seconds. Opt-in
    (`pytestmark = pytest.mark.usefixtures("one_torch_thread")`): a test that
    compares an in-process run with a subprocess's needs both on the same
    number of threads, or their float sums may differ in the last bits."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
