"""Importing the course package first keeps TensorFlow's C++ log lines away from the student."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # two fresh Python processes import TensorFlow

TRAIN = ("import keras, numpy as np\n"
         "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
         "model.compile('adam', 'mse')\n"
         "model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)\n"
         "print('trained')\n")


def run(code):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_without_the_package_tensorflow_prints_start_up_lines():
    done = run(TRAIN)
    assert done.returncode == 0 and done.stdout == "trained\n"
    assert "cuda" in done.stderr.lower() or "oneDNN" in done.stderr  # the noise the package removes


def test_package_first_leaves_stderr_empty_and_errors_visible():
    done = run("import callbacks_course.quiet\n" + TRAIN + "import os\nprint(os.environ['TF_CPP_MIN_LOG_LEVEL'])")
    assert done.returncode == 0 and done.stdout == "trained\n3\n"
    assert done.stderr == ""
    failed = run("import callbacks_course.quiet\nimport sys\nprint('shown', file=sys.stderr)\nraise SystemExit(1)")
    assert failed.stderr == "shown\n"  # stderr itself is back after the import
