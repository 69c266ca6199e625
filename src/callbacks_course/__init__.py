"""Shared code for the *Keras Callbacks, hands-on* course: data, models, recording, plots.

Importing the package first (before `keras` or `tensorflow`) keeps TensorFlow's C++ start-up
lines (oneDNN notices, CUDA probes on a machine without a GPU) out of the student's notebook:
see `quiet_tensorflow`.
"""

import contextlib
import os
import sys


@contextlib.contextmanager
def _stderr_silenced():
    """Send what the process writes to file descriptor 2 to /dev/null for the `with` block."""
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def quiet_tensorflow():
    """Import TensorFlow without its C++ log lines; later C++ logs show errors only.

    TensorFlow 2.21 prints its start-up notices through absl before its logging is set up, so
    `TF_CPP_MIN_LOG_LEVEL` alone does not hide them: the import runs with the process's stderr
    (file descriptor 2, which Jupyter forwards to the notebook) pointed at /dev/null. Python
    errors of the import still raise as usual. Does nothing once TensorFlow is imported.

    Example:

    ```python
    import callbacks_course   # calls quiet_tensorflow()
    import keras              # no red lines in the notebook
    ```
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with _stderr_silenced():
        import tensorflow  # noqa: F401


quiet_tensorflow()
