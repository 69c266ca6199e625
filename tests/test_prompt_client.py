"""The notebook client's sliced waits: a message whose wake-up pyzmq missed is found within a slice."""

import asyncio
import concurrent.futures
from queue import Empty

import pytest

import support  # noqa: F401  (puts tools/ on the path)
import prompt_client



def run(coroutine):
    """`asyncio.run` in a thread of its own: an earlier test (nbclient, Playwright) may have left this
    thread's event loop running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class MissedWakeUp:
    """A channel's get_msg as pyzmq behaves after a missed wake-up: a poll returns the waiting
    message only when its timeout fires; with no timeout it never returns."""

    def __init__(self, arrives_after_calls):
        self.arrives_after_calls = arrives_after_calls
        self.timeouts = []

    async def get_msg(self, timeout=None):
        self.timeouts.append(timeout)
        if timeout is None:
            raise AssertionError("an unbounded poll would sleep through the waiting message for ever")
        if len(self.timeouts) > self.arrives_after_calls:
            return {"msg_type": "execute_reply"}
        raise Empty


def test_an_unbounded_wait_polls_in_slices_and_finds_the_message():
    channel = MissedWakeUp(arrives_after_calls=3)
    message = run(prompt_client.sliced(channel.get_msg)(timeout=None))
    assert message == {"msg_type": "execute_reply"}
    assert channel.timeouts == [prompt_client.POLL_SLICE] * 4


def test_a_long_timeout_is_cut_into_slices_no_longer_than_one_second():
    channel = MissedWakeUp(arrives_after_calls=2)
    run(prompt_client.sliced(channel.get_msg)(timeout=180))
    assert len(channel.timeouts) == 3 and all(0 < t <= prompt_client.POLL_SLICE for t in channel.timeouts)


def test_the_overall_timeout_still_raises_empty(monkeypatch):
    clock = iter(range(0, 1000))
    monkeypatch.setattr(prompt_client.time, "monotonic", lambda: next(clock))
    channel = MissedWakeUp(arrives_after_calls=10**6)
    with pytest.raises(Empty):
        run(prompt_client.sliced(channel.get_msg)(timeout=5))
    assert len(channel.timeouts) < 10
