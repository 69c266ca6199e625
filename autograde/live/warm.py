"""The service's grading servers: warm children that grade one submission at a time (`engine.serve`).

Each server is `python -m autograde.live grade-server` in its own process group, killed with
the service (`PR_SET_PDEATHSIG`). It starts its engine workers at once, so a submission waits
neither for TensorFlow's import nor for the jail's zygote; the service keeps one server per
grading slot. A server that times out, crashes or reports an engine failure is killed and
replaced: the next grading never inherits its state.

Example:

```python
server = await GradingServer.start(course, log_path)
outcome = await server.grade({"student": "ann", "assignment": "callbacks_quiz", ...}, timeout=1200)
server.kill()
```
"""

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import sys

REPLY_LIMIT = 2**20  # one reply line: the outcome of one grading


class ServerDied(RuntimeError):
    """The grading server stopped (crashed, killed or timed out) or replied nonsense; the message says why."""


def _die_with_parent():
    """In the child: SIGKILL when the service dies, so a killed service leaves no grading behind."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class GradingServer:
    """One running `grade-server` (see `start`)."""

    def __init__(self, proc, log_path):
        self.proc, self.log_path = proc, log_path
        self.pid, self.ready = proc.pid, False

    @classmethod
    async def start(cls, course, log_path):
        """Start a server in `course`'s folder, its stderr into `log_path`; returns at once (it warms meanwhile)."""
        with open(log_path, "wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "autograde.live", "grade-server", stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=log, start_new_session=True, preexec_fn=_die_with_parent,
                cwd=str(course.root), limit=REPLY_LIMIT)
        return cls(proc, log_path)

    async def _reply(self):
        try:
            line = await self.proc.stdout.readline()
            reply = json.loads(line) if line else None
        except (ValueError, asyncio.LimitOverrunError) as exc:
            raise ServerDied(f"the grading server replied nonsense: {exc}") from None
        if reply is None:  # it stopped: wait for its exit status, then say why
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 10)
            raise ServerDied(self._why())
        if not isinstance(reply, dict):
            raise ServerDied("the grading server replied nonsense")
        return reply

    async def grade(self, request, timeout):
        """`engine.grade_and_book`'s outcome for `request`; raises ServerDied (the server is then killed)."""
        try:
            return await asyncio.wait_for(self._grade(request), timeout)
        except asyncio.TimeoutError:
            self.kill()
            await self.proc.wait()
            raise ServerDied(f"the grading took longer than {timeout:g} s") from None
        except BaseException:
            self.kill()
            raise

    async def _grade(self, request):
        if not self.ready:
            if "ready" not in await self._reply():
                raise ServerDied("the grading server did not start")
            self.ready = True
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        with contextlib.suppress(ConnectionError):
            await self.proc.stdin.drain()
        reply = await self._reply()
        if "engine_failure" in reply:
            self.kill()
            raise ServerDied(str(reply["engine_failure"])[:500])
        return reply

    def _why(self):
        """The last line the server wrote to its log, or its exit status."""
        with contextlib.suppress(OSError):
            with open(self.log_path, "rb") as log:
                log.seek(max(0, os.path.getsize(self.log_path) - 4096))
                lines = log.read().decode(errors="replace").strip().splitlines()
                if lines:
                    return lines[-1][:500]
        return f"the grading server stopped (exit status {self.proc.returncode})"

    def alive(self):
        return self.proc.returncode is None

    def kill(self):
        """Kill the server and everything it started (its workers and their jails)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
