"""`forbid` in the grading jail: Keras's banned classes stay unusable however the answer fetches them.

ex3 bans `keras.callbacks.EarlyStopping`, ex7 `keras.callbacks.ReduceLROnPlateau`. Each attack
below gets a working copy of the banned class without going through the patched class object
(reloading its module, re-importing it after deleting it from `sys.modules`, loading or
exec-ing its source file, its bytecode, the Keras 2 that TensorFlow ships) and hands the
whole exercise to it. Graded with the lab's real checks in one Jail (the grading worker's):
without the ban each attack scores (full, but 5/6 for Keras 2: the attack is real), with it each scores 0, and an
honest answer graded after the attacks still scores full.
"""

import sys

import pytest

from callbacks_course.sandbox.host.jail import Jail
from callbacks_course.sandbox.inside import landlock
from callbacks_course.sandbox.inside.student_side import source_files
from callbacks_course.lab import CHECKS
from support.grading import ROOT, graded_in_jail

sys.path.insert(0, str(ROOT / "tests" / "lab"))
from lab_answers import reference_answers, setup_source  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.skipif(landlock.abi() < 1, reason="the kernel has no Landlock")]

EARLY = "keras.src.callbacks.early_stopping"
REDUCE = "keras.src.callbacks.reduce_lr_on_plateau"
FETCHES = {  # how the answer gets a fresh class `Fresh` from the module `{module}` ({name}: the class)
    "importlib.reload": "import importlib, {module} as m\nFresh = importlib.reload(m).{name}",
    "sys.modules deleted, imported again": (
        "import importlib, sys\nfor n in [k for k in sys.modules if k.startswith('{module}')]:\n"
        "    del sys.modules[n]\nFresh = importlib.import_module('{module}').{name}"),
    "spec_from_file_location": (
        "import importlib.util, {module} as m\nspec = importlib.util.spec_from_file_location('fresh', m.__file__)\n"
        "fresh = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(fresh)\nFresh = fresh.{name}"),
    "exec of the source file": (
        "import {module} as m\nns = {{'__name__': 'fresh'}}\nexec(compile(open(m.__file__).read(), 'x', 'exec'), ns)\n"
        "Fresh = ns['{name}']"),
    "exec of the bytecode": (
        "import importlib.util, marshal, {module} as m\nns = {{'__name__': 'fresh'}}\n"
        "exec(marshal.loads(open(importlib.util.cache_from_source(m.__file__), 'rb').read()[16:]), ns)\n"
        "Fresh = ns['{name}']"),
}
DELEGATE_EARLY = '''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, **kwargs):
        super().__init__()
        self.inner = Fresh(mode="min", **kwargs)

    def on_train_begin(self, logs=None):
        self.inner.set_model(self.model)
        self.inner.on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        self.inner.on_epoch_end(epoch, logs)
        self.stopped_epoch, self.best, self.wait = self.inner.stopped_epoch, self.inner.best, self.inner.wait
        self.best_epoch = self.inner.best_epoch

    def on_train_end(self, logs=None):
        self.inner.on_train_end(logs)
'''
DELEGATE_REDUCE = '''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, **kwargs):
        super().__init__()
        self.inner = Fresh(**kwargs)

    def _copy(self):
        self.wait, self.cooldown_counter, self.best = self.inner.wait, self.inner.cooldown_counter, self.inner.best

    def on_train_begin(self, logs=None):
        self.inner.set_model(self.model)
        self.inner.on_train_begin(logs)
        self._copy()

    def on_epoch_end(self, epoch, logs=None):
        self.inner.on_epoch_end(epoch, logs)
        self._copy()
'''
ATTACKS = [(f"ex3: {how}", "ex3_basics", fetch.format(module=EARLY, name="EarlyStopping") + DELEGATE_EARLY, 1.0)
           for how, fetch in FETCHES.items()]
ATTACKS += [(f"ex7: {how}", "ex7_basics", FETCHES[how].format(module=REDUCE, name="ReduceLROnPlateau")
             + DELEGATE_REDUCE, 1.0) for how in ("importlib.reload", "exec of the source file")]
ATTACKS += [("ex3: the Keras 2 TensorFlow ships", "ex3_basics",  # no best_epoch; restores only after a stop: 5/6
             "from tensorflow.python.keras.callbacks import EarlyStopping as Fresh" + DELEGATE_EARLY.replace(
                 "self.best_epoch = self.inner.best_epoch",
                 "self.best_epoch = epoch if self.inner.wait == 0 else getattr(self, 'best_epoch', 0)"), 5 / 6)]


@pytest.fixture(scope="module")
def jail():
    with Jail(memory_mb=2048) as jail:
        assert jail.warnings == []
        yield jail


@pytest.fixture(scope="module")
def expected():
    return {grade_id: CHECKS[grade_id].expect() for grade_id in ("ex3_basics", "ex7_basics")}


@pytest.mark.parametrize("name, grade_id, source, unbanned", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_the_attack_scores_without_the_ban_and_0_with_it(jail, expected, name, grade_id, source, unbanned):
    assert graded_in_jail(jail, expected, grade_id, source, forbid=False)[0] == pytest.approx(unbanned), "the attack works"
    fraction, message = graded_in_jail(jail, expected, grade_id, source, forbid=True)
    assert fraction == 0.0, message
    assert "PermissionError" in message or "must not use `keras.callbacks." in message, message


@pytest.mark.parametrize("grade_id", ["ex3_basics", "ex7_basics"])
def test_an_honest_answer_still_scores_full_under_the_ban(jail, expected, grade_id):
    source = reference_answers()[CHECKS[grade_id].exercise]
    fraction, message = graded_in_jail(jail, expected, grade_id, source, forbid=True)
    assert fraction == 1.0, message


def test_the_hidden_files_are_the_modules_their_bytecode_and_keras_2():
    import keras

    names = {path.rpartition("site-packages/")[2] for path in source_files([keras.callbacks.EarlyStopping])}
    assert {"keras/src/callbacks/early_stopping.py", "tensorflow/python/keras/callbacks.py"} <= names
    assert all(name.startswith(("keras/src/callbacks/early_stopping", "keras/src/callbacks/__pycache__/early_stopping.",
                                "tensorflow/python/keras/")) for name in names), names


def test_the_original_methods_are_gone_from_the_items_memory(jail):
    """Nothing in the item's process still holds Keras's own methods: `gc` cannot hand them back."""
    probe = """
import gc, types
facts = sorted({f.__name__ for f in gc.get_objects() if isinstance(f, types.FunctionType)
                and f.__code__.co_filename.endswith(("early_stopping.py", "monitor_callback.py"))})
"""
    job = {"setup": [("setup", "import keras")], "answers": [("ex3", probe)]}
    found = {forbid: jail.run(job, 60, lambda student: student.value("facts"), CHECKS["ex3_basics"].forbid if forbid
                              else ()).observed for forbid in (False, True)}
    assert {"on_epoch_end", "_is_improvement"} <= set(found[False])
    assert found[True] == []
