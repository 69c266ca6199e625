"""Hide what native code (TensorFlow's C++ logging) writes to the process's stderr, for a while.

Example:

```python
with silenced():
    import tensorflow  # its start-up lines go to /dev/null
```
"""

import contextlib
import os
import sys


@contextlib.contextmanager
def silenced():
    """Point file descriptor 2 at /dev/null for the `with` block, then restore it.

    Python's `sys.stderr` is flushed first, so nothing written before the block is lost; Python
    exceptions raised inside the block propagate as usual.
    """
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
