"""Lesson 2: `keras.utils.Sequence` is `keras.utils.PyDataset` under its Keras 2 name, so a Keras 2
`Sequence` subclass still trains."""

import keras
import numpy as np
from facts import BATCH, STEPS, data, tiny_model


def test_sequence_is_the_same_class_as_pydataset():
    assert keras.utils.Sequence is keras.utils.PyDataset


def test_a_keras_2_style_sequence_subclass_trains():
    class Batches(keras.utils.Sequence):  # written as for Keras 2
        def __init__(self, x, y):
            super().__init__()
            self.x, self.y = x, y

        def __len__(self):
            return int(np.ceil(len(self.x) / BATCH))

        def __getitem__(self, index):
            return self.x[index * BATCH:(index + 1) * BATCH], self.y[index * BATCH:(index + 1) * BATCH]

    (x, y), _ = data()
    history = tiny_model().fit(Batches(x, y), epochs=1, verbose=0)
    assert len(Batches(x, y)) == STEPS and len(history.history["loss"]) == 1
