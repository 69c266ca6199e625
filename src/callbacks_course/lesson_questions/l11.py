"""Self-check questions of lesson 11, when hooks fire."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
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
]
