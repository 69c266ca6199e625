"""An nbclient `NotebookClient` that never sleeps through a kernel message that has already arrived.

Why the course's notebook runs used to hang now and then (a cell "timed out" while its kernel sat
idle): pyzmq's asyncio poll can miss the wake-up of a message that is already in the socket, and
then finds it only when its own timeout fires, because it polls the socket once more at that moment
(`zmq/_future.py`, `_AsyncPoller.poll`). nbclient waits for a cell's reply with the whole cell
timeout in one poll, and for the cell's outputs and final `idle` status with no timeout at all
(`_async_poll_for_reply`, `_async_poll_output_msg`). A missed wake-up therefore cost the rest of the
cell timeout (the reply arrives "after" 180 s, or the cell times out) or forever (the `idle` status
of a cell that has printed its last output: nbclient waits for IOPub until the cell timeout). Seen
here: lesson 8's widget cell answered after exactly its 150 s timeout, its kernel idle all along.

This client polls both channels in slices of `POLL_SLICE` seconds, so a message whose wake-up was
missed is found within one slice; the timeouts nbclient applies stay what they were.

Example:

    client = PromptClient(nb, timeout=180, kernel_name="python3")
    client.execute()
"""

import time
from queue import Empty

from nbclient import NotebookClient

POLL_SLICE = 1.0  # seconds: the longest a missed wake-up can now delay a message


def sliced(get_msg):
    """`get_msg(timeout)` of a jupyter_client channel, waiting in polls of at most POLL_SLICE seconds."""
    async def get_msg_in_slices(timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else min(POLL_SLICE, max(0.0, deadline - time.monotonic()))
            try:
                return await get_msg(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
    return get_msg_in_slices


class PromptClient(NotebookClient):
    """A `NotebookClient` whose waits for the shell reply and for IOPub messages are sliced (see module)."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        for channel in (kc.shell_channel, kc.iopub_channel):
            channel.get_msg = sliced(channel.get_msg)
        return kc
