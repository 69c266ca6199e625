"""Self-check questions of lesson 10, steering the learning rate."""

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
        prompt="What does `keras.callbacks.LearningRateScheduler(schedule)` do?",
        options={
            "A": "At every epoch begin it calls `schedule(epoch, lr)` and sets the rate it returns",
            "B": "It calls `schedule` after every batch",
            "C": "It changes the rate only when the monitored loss stalls",
            "D": "It writes the rate into `logs['learning_rate']`, so `History` keeps it",
        },
        answer=frozenset("AD"),
        why={
            "A": "The lesson's step schedule gave the rates 4e-3, 4e-3, 2e-3, 2e-3, 1e-3, 1e-3, one per epoch.",
            "B": "It works per epoch; a per-batch schedule is a `LearningRateSchedule` given to the optimizer.",
            "C": "That is ReduceLROnPlateau.",
            "D": "The lesson printed `scheduled.history['learning_rate']`.",
        },
    ),
]
