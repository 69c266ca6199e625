"""Self-check questions of lesson 10, steering the learning rate."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="Your callback runs `self.model.optimizer.learning_rate = 2e-3` in `on_epoch_begin` of epoch 1 only, "
               "and writes nothing into `logs`. Which statements hold?",
        options={
            "A": "The batches of epoch 1 train with 2e-3, although the training step is compiled",
            "B": "At epoch 2 the optimizer goes back to the rate given to `compile`",
            "C": "`history.history` has no `learning_rate` key",
            "D": "Keras 3 needs `keras.backend.set_value(optimizer.lr, 2e-3)` for the change to reach training",
        },
        answer=frozenset("AC"),
        why={
            "A": "The rate is a variable the compiled step reads at every batch; assigning sets its value.",
            "B": "The value stays until something assigns another: the lesson's WarmUp assigns nothing after "
                 "epoch 3, and epochs 4 and 5 still trained at 4e-3.",
            "C": "History keeps what is in `logs`: that is why the lesson's WarmUp writes `logs['learning_rate']`.",
            "D": "Both `optimizer.lr` and `keras.backend.set_value` are gone in Keras 3; plain assignment is the way.",
        },
    ),
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
