"""Shared pieces of the answer-key experiments: the key under test, tiny data and models.

Every experiment measures whether one option is true on the installed Keras and then calls
`assert_key(question, option, truth)`, so a key that disagrees with Keras fails a test.
"""

import functools
import json
import pathlib

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEY_FILE = ROOT / "autograde" / "keys" / "callbacks_quiz.json"
BATCH = 64
N_TRAIN, N_TEST = 256, 64
STEPS = N_TRAIN // BATCH
EPOCHS = 2  # of the recorded runs in conftest.py


@functools.cache
def answer_key():
    """The key the grader uses: `{question: {"answer": [...], "why": {...}}}`."""
    return json.loads(KEY_FILE.read_text())


def assert_key(question, option, truth):
    """Fail unless the key marks `option` of `question` right exactly when the experiment found it true."""
    keyed = option in answer_key()[question]["answer"]
    assert keyed == truth, (f"{question} {option}: the experiment shows the option is "
                            f"{'true' if truth else 'false'}, but the key {'marks' if keyed else 'does not mark'} it right")


@functools.cache
def data():
    """A tiny, fixed slice of MNIST: `(x_train, y_train), (x_test, y_test)`, scaled to [0, 1]."""
    (x_train, y_train), (x_test, y_test) = load_mnist(n_train=N_TRAIN, n_test=N_TEST)
    return (normalize(x_train), y_train), (normalize(x_test), y_test)


def tiny_model(**kwargs):
    """The course classifier, narrow enough to train in a blink."""
    return make_classifier(hidden_units=16, **kwargs)


def fit(model, epochs=2, callbacks=(), validation=True, **kwargs):
    """`model.fit` on the tiny data, `STEPS` batches per epoch, quietly; returns the History."""
    (x, y), (x_val, y_val) = data()
    return model.fit(x, y, batch_size=BATCH, epochs=epochs, callbacks=list(callbacks), verbose=0,
                     validation_data=(x_val, y_val) if validation else None, **kwargs)


def overfit(model, epochs, callbacks=()):
    """Train on only 64 digits, so the validation loss bottoms out after a few epochs and then rises."""
    (x, y), (x_val, y_val) = data()
    return model.fit(x[:64], y[:64], batch_size=16, epochs=epochs, callbacks=list(callbacks), verbose=0,
                     validation_data=(x_val, y_val))


def overfitting_model():
    """A wide model with a high learning rate: it overfits the 64 digits of `overfit` quickly."""
    return make_classifier(hidden_units=64, learning_rate=0.01)
