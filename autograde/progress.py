"""Progress of a grading run in the terminal: a bar with a counter and an estimate of the time left.

`grade` reports each finished submission as a line `[done/total] student assignment score/max`.
On a terminal `Progress` redraws one status line (`[#####-----] 12/30  40%  about 1m20s left`)
below the finished lines; elsewhere (a log file, CI) it prints each line as it comes, which is
itself a counter.

Example:

```python
grade(course, "submissions", "grades", log=Progress())
```
"""

import re
import sys
import time

_LINE = re.compile(r"^\[(\d+)/(\d+)\] ")


def _duration(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class Progress:
    """A `log` callable for `grade`: finished lines scroll, one bar line stays at the bottom.

    Args:
        stream: where to write (default sys.stdout).
        width: characters of the bar.
        clock: returns seconds (tests pass a fake clock).
    """

    def __init__(self, stream=None, width=30, clock=time.monotonic):
        self.stream = stream or sys.stdout
        self.width, self.clock = width, clock
        self.started = clock()
        self.interactive = self.stream.isatty()

    def bar(self, done, total):
        """The status line for `done` of `total` submissions."""
        filled = self.width * done // max(total, 1)
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{total} {100 * done // max(total, 1):3d}%"
        elapsed = self.clock() - self.started
        if 0 < done < total:
            line += f"  about {_duration(elapsed / done * (total - done))} left"
        elif done == total:
            line += f"  done in {_duration(elapsed)}"
        return line

    def __call__(self, message):
        match = _LINE.match(message)
        if not self.interactive or match is None:
            print(message, file=self.stream, flush=True)
            return
        done, total = int(match.group(1)), int(match.group(2))
        # clear the old bar, print the finished line, draw the new bar (a newline once complete)
        self.stream.write(f"\r\x1b[2K{message}\n{self.bar(done, total)}{chr(10) if done == total else ''}")
        self.stream.flush()
