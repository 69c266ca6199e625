"""Self-check questions of lesson 13, callback state across fit calls and resumes."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="You call `fit` twice on the same model, passing the same `EarlyStopping(patience=3)` and "
               "`ReduceLROnPlateau` objects both times. What holds at the start of the second `fit`?",
        options={
            "A": "EarlyStopping's `best` and `wait` start again (None and 0)",
            "B": "EarlyStopping goes on counting its patience from the first fit",
            "C": "The model's weights start again from their initial values",
            "D": "A learning rate ReduceLROnPlateau lowered in the first fit stays lowered",
        },
        answer=frozenset("AD"),
        why={
            "A": "Both reset in on_train_begin: the lesson's probe read best None and wait 0.",
            "B": "Its counters are reset at every fit.",
            "C": "fit continues from the model's current weights.",
            "D": "The rate lives in the optimizer, not in the callback: 0.0012 at the start of fit 2 in the lesson.",
        },
    ),
    Question(
        prompt="A run with `ModelCheckpoint('best.weights.h5', save_best_only=True)` crashes and is resumed "
               "with `BackupAndRestore`, with new callback objects. What is true?",
        options={
            "A": "The first resumed epoch overwrites `best.weights.h5`, even when it is worse than the best epoch before the crash",
            "B": "BackupAndRestore restores the checkpoint callback's `best` as well",
            "C": "`initial_value_threshold=` the best val_loss before the crash keeps the better checkpoint until an epoch beats it",
            "D": "EarlyStopping's patience continues from where it was at the crash",
        },
        answer=frozenset("AC"),
        why={
            "A": "A new ModelCheckpoint starts with best None: the lesson's resumed checkpoint had val_loss 1.02, not 0.96.",
            "B": "It restores the weights, the optimizer and the epoch only.",
            "C": "With the threshold read from the CSV log, best.weights.h5 still held the 0.96 epoch.",
            "D": "A new EarlyStopping starts with wait 0: the resumed run trained 2 epochs more.",
        },
    ),
]
