"""Lesson 15's claims about backends, checked on the installed Keras (JAX runs in a process of its own).

The lesson's own test checks the results of `callbacks_course.backends.run_on` (the same callbacks on
TensorFlow and JAX); here are the mechanisms behind them. PyTorch is not installed: its claims are
read from Keras's source.
"""

import ast
import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import keras
import pytest

KERAS_SRC = pathlib.Path(importlib.util.find_spec("keras").origin).parent / "src"
JAX_PROBE = """
import json, threading, keras
from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier

class Probe(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 3:
            variable = self._model.trainable_variables[0]
            self.purged = variable._value is None      # fit holds the state outside the model
            self.model                                  # the property syncs it back
            self.synced = variable._value is not None

(x, y), _ = load_mnist(n_train=256, n_test=10)
model, probe = make_classifier(), Probe()
model.fit(normalize(x), y, batch_size=32, epochs=1, callbacks=[probe], verbose=0)
print(json.dumps({"backend": keras.backend.backend(), "purged": probe.purged, "synced": probe.synced,
                  "jit_compile": bool(model.jit_compile)}))
"""


def flag(backend):
    """The IS_THREAD_SAFE constant of keras/src/backend/<backend>/core.py, read from the source."""
    tree = ast.parse((KERAS_SRC / "backend" / backend / "core.py").read_text())
    (value,) = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and [target.id for target in node.targets if isinstance(target, ast.Name)] == ["IS_THREAD_SAFE"]]
    return value


def test_only_thread_safe_backends_dispatch_batch_end_hooks_to_a_thread_pool():
    assert {backend: flag(backend) for backend in ("tensorflow", "jax", "torch")} == {
        "tensorflow": False, "jax": True, "torch": True}
    assert keras.backend.backend() == "tensorflow"
    callbacks = keras.callbacks.CallbackList([keras.callbacks.Callback()])
    assert callbacks._async_train is False  # TensorFlow: never, whatever the callbacks
    source = (KERAS_SRC / "callbacks" / "callback_list.py").read_text()
    assert "if not backend.IS_THREAD_SAFE:\n            return" in source
    assert 'getattr(cbk, "async_safe", False)' in source


def test_on_jax_self_model_syncs_the_state_fit_keeps_outside_the_model():
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", JAX_PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {"backend": "jax", "purged": True, "synced": True,
                                                        "jit_compile": True}


def test_xla_by_default_on_jax_not_for_tensorflow_on_cpu_and_never_for_torch():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    assert model.jit_compile is False  # TensorFlow on a machine without a GPU
    source = (KERAS_SRC / "trainers" / "trainer.py").read_text()
    assert 'if backend.backend() == "torch":\n            # jit_compile = "auto" with the pytorch backend defaults to eager\n            return False' in source


def test_the_callback_model_property_syncs_only_on_jax():
    source = (KERAS_SRC / "callbacks" / "callback.py").read_text()
    assert 'if backend.backend() == "jax" and hasattr(\n            self._model, "jax_state_sync"\n        ):' in source
    assert "self._model.jax_state_sync()" in source


def test_the_backend_comes_from_keras_backend_then_keras_json_then_tensorflow():
    source = (KERAS_SRC / "backend" / "config.py").read_text()
    assert '_BACKEND = "tensorflow"' in source and '"keras.json"' in source
    assert source.index('_config.get("backend"') < source.index('if "KERAS_BACKEND" in os.environ:')  # the variable wins


def test_pending_batch_end_hooks_are_awaited_at_epoch_end_and_train_end():
    tree = ast.parse((KERAS_SRC / "callbacks" / "callback_list.py").read_text())
    methods = {node.name: ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    for hook in ("on_epoch_end", "on_train_end", "on_test_end", "on_predict_end"):
        assert "self._flush_futures()" in methods[hook].split("for callback in self.callbacks")[0], hook
