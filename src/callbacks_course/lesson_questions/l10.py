"""Self-check questions of lesson 10, callbacks that steer training."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="`ReduceLROnPlateau(factor=0.5, patience=2)` watches `val_loss`. What does it do when "
               "`val_loss` has not improved for 2 epochs?",
        options={
            "A": "It halves the optimizer's learning rate",
            "B": "It stops training",
            "C": "It restores the best weights",
            "D": "It writes the current rate into `logs['learning_rate']` at every epoch end",
        },
        answer=frozenset("AD"),
        why={
            "A": "It sets `optimizer.learning_rate` to rate x factor (never below min_lr).",
            "B": "Stopping is EarlyStopping's job; training goes on with the lower rate.",
            "C": "It never touches the weights.",
            "D": "That is why `history.history['learning_rate']` exists in the lesson's plot.",
        },
    ),
    Question(
        prompt="A `fit` with `BackupAndRestore(backup_dir)` is killed at epoch 3. You run the same `fit` "
               "again with the same callback. What happens?",
        options={
            "A": "Training continues with epoch 3, from the weights and optimizer state saved at the end of epoch 2",
            "B": "Training starts again from epoch 0",
            "C": "You must pass `initial_epoch=3` yourself",
            "D": "When the run completes, the backup is deleted",
        },
        answer=frozenset("AD"),
        why={
            "A": "The lesson's resumed run ran epochs [3, 4, 5] and ended with the uninterrupted run's weights.",
            "B": "That is what happens without the callback.",
            "C": "The callback restores the epoch itself; initial_epoch is for resuming by hand.",
            "D": "A completed run leaves no backup folder behind.",
        },
    ),
    Question(
        prompt="`compile(..., steps_per_execution=4)`, 16 batches an epoch. How often does "
               "`on_train_batch_end` fire in an epoch?",
        options={
            "A": "16 times",
            "B": "4 times, at batches 3, 7, 11, 15",
            "C": "Once, at the end of the epoch",
            "D": "Never",
        },
        answer=frozenset("B"),
        why={
            "A": "That is steps_per_execution=1, the default.",
            "B": "The hooks fire once per group of 4 batches, with the last batch's index.",
            "C": "That would be steps_per_execution=16.",
            "D": "Batch hooks still fire, just less often.",
        },
    ),
]
