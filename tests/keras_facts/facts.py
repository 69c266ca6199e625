"""Shared pieces of the Keras-facts experiments: tiny MNIST data and the course's model.

Each test module in this folder pins one claim a lesson makes about the installed Keras, by an
experiment on a real model and a real `fit`, so that a lesson and Keras cannot drift apart.
"""

import functools

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier

BATCH = 32
N_TRAIN, N_TEST = 320, 64
STEPS = N_TRAIN // BATCH  # 10 training batches an epoch


@functools.cache
def data():
    """A fixed slice of MNIST scaled to [0, 1]: `(x_train, y_train), (x_test, y_test)`."""
    (x_train, y_train), (x_test, y_test) = load_mnist(n_train=N_TRAIN, n_test=N_TEST)
    return (normalize(x_train), y_train), (normalize(x_test), y_test)


def tiny_model(**kwargs):
    """The course classifier, narrow enough to train in a blink."""
    return make_classifier(hidden_units=16, **kwargs)


def fit(model, epochs=2, callbacks=(), validation=False, **kwargs):
    """`model.fit` on the tiny data, `STEPS` batches an epoch, quietly; returns the History."""
    (x, y), (x_val, y_val) = data()
    return model.fit(x, y, batch_size=BATCH, epochs=epochs, callbacks=list(callbacks), verbose=0,
                     validation_data=(x_val, y_val) if validation else None, **kwargs)
