"""Self-check questions of lesson 12, how a run ends."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="When does `on_train_end` run?",
        options={
            "A": "After a `fit` that ran all its epochs",
            "B": "After `TerminateOnNaN` or `EarlyStopping` stopped the run",
            "C": "After a callback raised an exception",
            "D": "After a `KeyboardInterrupt` (JupyterLab's stop button)",
        },
        answer=frozenset("AB"),
        why={
            "A": "The normal end of fit.",
            "B": "A callback stops a run by setting stop_training: fit then ends normally.",
            "C": "The exception leaves fit before on_train_end (the lesson's watcher saw no call).",
            "D": "Like any exception: no on_train_end. Cleanup that must run belongs in a try/finally.",
        },
    ),
    Question(
        prompt="`TerminateOnNaN(raise_error=True)` sees a NaN loss in batch 3 of epoch 0. What happens?",
        options={
            "A": "fit raises a RuntimeError; no on_epoch_end and no on_train_end run",
            "B": "The epoch is closed normally, then training ends",
            "C": "The batch is skipped and training goes on",
            "D": "The weights are reset to their last finite values",
        },
        answer=frozenset("A"),
        why={
            "A": "It raises at once, so fit's remaining hooks are skipped (the lesson's watcher saw none).",
            "B": "That is the default, raise_error=False: it sets stop_training.",
            "C": "Neither mode skips batches.",
            "D": "TerminateOnNaN never touches the weights.",
        },
    ),
    Question(
        prompt="A `fit` with `BackupAndRestore(backup_dir)` is killed at epoch 3. You build the same model "
               "again and run the same `fit` with the same callback. What happens?",
        options={
            "A": "Training continues with epoch 3, from the weights and optimizer variables saved at the end of epoch 2",
            "B": "Training starts again from epoch 0",
            "C": "You must pass `initial_epoch=3` yourself",
            "D": "When the run completes, the backup folder is deleted",
        },
        answer=frozenset("AD"),
        why={
            "A": "The lesson's resumed run ran epochs [3, 4, 5] and ended with the uninterrupted run's weights.",
            "B": "That is what happens without the callback.",
            "C": "The callback restores the epoch itself; initial_epoch is for resuming by hand.",
            "D": "Every normal end of fit deletes it, even one that EarlyStopping or TerminateOnNaN stopped.",
        },
    ),
    Question(
        prompt="`BackupAndRestore(backup_dir, save_freq=10)`, 32 batches an epoch; the run is killed at "
               "batch 20 of epoch 1. What does the resumed `fit` do?",
        options={
            "A": "It continues with batch 20 of epoch 1",
            "B": "It runs epoch 1 again from its first batch, starting from the weights of its last backup (mid-epoch 1)",
            "C": "It starts again from epoch 0",
            "D": "It ends with exactly the weights of an uninterrupted run",
        },
        answer=frozenset("B"),
        why={
            "A": "The backup records the batch, but a resumed fit always starts an epoch at its first batch.",
            "B": "The lesson's resumed run ran epoch 1 in full (32 batches) again.",
            "C": "The epoch number is restored.",
            "D": "The batches of epoch 1 before the last backup are trained twice, so the weights differ (the lesson compared them).",
        },
    ),
    Question(
        prompt="`fit(..., callbacks=[BackupAndRestore(backup_dir, save_freq=1), TerminateOnNaN()])`: the loss "
               "turns NaN in epoch 0 and `TerminateOnNaN` stops the run. Which statements hold?",
        options={
            "A": "`fit` returns normally and the backup folder is gone",
            "B": "The folder keeps the last backup before the NaN, so running the same `fit` again resumes from it",
            "C": "With `BackupAndRestore(backup_dir, save_freq=1, delete_checkpoint=False)` the folder is kept",
            "D": "With `TerminateOnNaN(raise_error=True)` the folder is deleted too",
        },
        answer=frozenset("AC"),
        why={
            "A": "A stop is a normal end: on_train_end runs and deletes the folder (the lesson's `after_stop`).",
            "B": "on_train_end deleted it: there is nothing to resume from, and a stopped run counts as finished.",
            "C": "Then on_train_end leaves the folder in place (its last weights may well be NaN).",
            "D": "It raises instead of stopping, so on_train_end never runs and the folder stays (section 2).",
        },
    ),
]
