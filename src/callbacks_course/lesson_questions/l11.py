"""Self-check questions of lesson 11, when hooks fire."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="`fit(x, y, batch_size=100, epochs=2, verbose=0, callbacks=[cb])` on 1,000 digits, no validation. "
               "Which statements hold?",
        options={
            "A": "In `cb.on_train_begin`, `self.params` is `{'verbose': 0, 'epochs': 2, 'steps': 10}`",
            "B": "`self.params['batch_size']` is 100",
            "C": "`LambdaCallback(on_epoch_end=lambda epoch, logs: ...)` gets the same epoch and `logs` "
                 "as a class's `on_epoch_end`",
            "D": "`LambdaCallback` takes only its six named hooks: for `on_test_end` you must write a class",
        },
        answer=frozenset("AC"),
        why={
            "A": "fit fills it before on_train_begin: the lesson's ShowParams printed exactly that.",
            "B": "Keras 3 puts only verbose, epochs and steps in params; steps (10) is what depends on the batch size.",
            "C": "It only stores your function as the hook: the lesson's one-liner printed each epoch's loss.",
            "D": "Any other hook goes in as a keyword, e.g. `on_test_end=lambda logs: ...` (its **kwargs).",
        },
    ),
    Question(
        prompt="`compile(..., steps_per_execution=4)`, 16 batches an epoch. Which indices does Keras pass to "
               "the batch hooks in an epoch?",
        options={
            "A": "`on_train_batch_begin` and `on_train_batch_end` both fire 16 times, at 0 to 15",
            "B": "`on_train_batch_begin` fires at 0, 4, 8, 12",
            "C": "`on_train_batch_end` fires at 3, 7, 11, 15",
            "D": "Both fire at 3, 7, 11, 15, the last batch of each group",
        },
        answer=frozenset("BC"),
        why={
            "A": "That is steps_per_execution=1, the default.",
            "B": "A group's begin hook gets the index of its first batch.",
            "C": "A group's end hook gets the index of its last batch.",
            "D": "Only the end hooks get the last index; the begin hooks get the first (the lesson's recorder).",
        },
    ),
    Question(
        prompt="Under `steps_per_execution=4`, which ways of counting batches in a callback count all 16 "
               "batches of an epoch?",
        options={
            "A": "Add 1 at each `on_train_batch_end`",
            "B": "Keep the index from `on_train_batch_begin`; add `end - begin + 1` at each `on_train_batch_end`",
            "C": "Add `batch - previous end index` at each end (`batch + 1` when a new epoch starts)",
            "D": "None: counting needs `steps_per_execution=1`",
        },
        answer=frozenset("BC"),
        why={
            "A": "The end hook fires 4 times: that counts 4.",
            "B": "The lesson's BatchCounter counted 32 batches in 2 epochs this way.",
            "C": "That is how ModelCheckpoint counts for `save_freq` (it saved after batches 8 and 16 in the lesson).",
            "D": "Both B and C count correctly with any steps_per_execution.",
        },
    ),
    Question(
        prompt="`fit(..., validation_freq=2)` with `EarlyStopping(monitor='val_loss')`. What happens at "
               "epoch 0, which is not validated?",
        options={
            "A": "`on_test_begin` is not called",
            "B": "EarlyStopping counts the epoch as one without improvement",
            "C": "EarlyStopping warns that `val_loss` is not available and skips the epoch",
            "D": "EarlyStopping raises a `KeyError`",
        },
        answer=frozenset("AC"),
        why={
            "A": "The lesson's recorder saw on_test_begin twice in 4 epochs: at epochs 1 and 3.",
            "B": "A missing value is skipped, not counted: patience only counts validated epochs.",
            "C": "The lesson caught that warning at epochs 0 and 2.",
            "D": "It warns; a KeyError would end the run.",
        },
    ),
    Question(
        prompt="Which statements about section 5's built-ins hold?",
        options={
            "A": "`fit` adds a `History` itself and returns it; it is also `model.history`",
            "B": "`SwapEMAWeights` works only with an optimizer created with `use_ema=True`",
            "C": "`RemoteMonitor` posts the logs to its server after every batch",
            "D": "For a progress bar you must pass `keras.callbacks.ProgbarLogger()` in `callbacks`",
        },
        answer=frozenset("AB"),
        why={
            "A": "Every fit gets one, whatever `verbose` is: the object fit returns is that History.",
            "B": "It swaps in the optimizer's moving average of the weights; without `use_ema=True` there is none "
                 "(Keras raises a ValueError at the first evaluation).",
            "C": "It posts once per epoch, from `on_epoch_end`: the epoch number and that epoch's logs, as JSON.",
            "D": "fit adds a ProgbarLogger itself whenever `verbose` is not 0 (with `verbose=0` it adds none).",
        },
    ),
]
