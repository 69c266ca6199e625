"""Test-wide settings: the offline MNIST subset and quiet TensorFlow (kernels inherit both)."""

import os
import pathlib
import sys

os.environ["CALLBACKS_COURSE_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
