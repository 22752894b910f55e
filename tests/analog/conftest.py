"""One torch thread for the analog tests.

The test machines share two cores between several jobs; there, two intra-op threads that wait on
each other made the mnist-5k training test ~6x slower (64 s vs 10 s) than one thread. Numbers do
not depend on the thread count: the chip's integer arithmetic is exact.
"""

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
