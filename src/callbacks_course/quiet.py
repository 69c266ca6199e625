"""Import TensorFlow without its C++ start-up lines: import this module before `keras` or `tensorflow`.

TensorFlow 2.21 prints oneDNN notices and CUDA probes (on a machine without a GPU) through absl
before its logging is set up, so `TF_CPP_MIN_LOG_LEVEL` alone does not hide them, and Jupyter
forwards them to the notebook as red lines. Importing this module imports TensorFlow with the
process's stderr (file descriptor 2) pointed at /dev/null, and sets `TF_CPP_MIN_LOG_LEVEL=3`
(errors only) for later C++ logs unless it is set already.

Example:

```python
import callbacks_course.quiet  # first
import keras                   # no red lines in the notebook
```
"""

import os
import sys

from callbacks_course.native_stderr import silenced


def quiet_tensorflow():
    """Import TensorFlow without its C++ log lines; later C++ logs show errors only.

    TensorFlow 2.21 prints its start-up notices through absl before its logging is set up, so
    `TF_CPP_MIN_LOG_LEVEL` alone does not hide them: the import runs with the process's stderr
    (file descriptor 2, which Jupyter forwards to the notebook) pointed at /dev/null. Python
    errors of the import still raise as usual. Does nothing once TensorFlow is imported.

    Example:

    ```python
    quiet_tensorflow()
    import keras  # TensorFlow is imported already, silently
    ```
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with silenced():
        import tensorflow  # noqa: F401


quiet_tensorflow()
