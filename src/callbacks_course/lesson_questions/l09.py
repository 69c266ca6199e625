"""Self-check questions of lesson 9, combining callbacks."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="`callbacks=[CSVLogger('log.csv'), AddKey()]`, where `AddKey.on_epoch_end` sets "
               "`logs['extra'] = 1.0`. Where does `extra` show up?",
        options={
            "A": "In `history.history`",
            "B": "As a column of log.csv",
            "C": "Nowhere: each callback gets its own copy of logs",
            "D": "In the logs that callbacks listed after AddKey receive",
        },
        answer=frozenset("AD"),
        why={
            "A": "Keras appends History after your callbacks, so it sees the key.",
            "B": "CSVLogger ran first and fixed its columns before the key existed.",
            "C": "All callbacks of one hook call share a single dict.",
            "D": "Later callbacks get the same, now extended, dict.",
        },
    ),
    Question(
        prompt="In what order are the callbacks of `fit(..., callbacks=[a, b, c])` called at each hook?",
        options={
            "A": "a, b, c, then Keras's own History",
            "B": "Built-in callbacks first, then custom ones",
            "C": "In an unspecified order",
            "D": "c, b, a",
        },
        answer=frozenset("A"),
        why={
            "A": "CallbackList loops over your list in order; History is appended at its end.",
            "B": "Keras does not reorder: built-ins are ordinary list entries.",
            "C": "The order is the list order, every time.",
            "D": "Not reversed, not even for the end hooks.",
        },
    ),
    Question(
        prompt="A run combines `ModelCheckpoint(save_best_only=True, monitor='val_loss')` and "
               "`EarlyStopping(monitor='val_loss', restore_best_weights=True)`. After fit, which hold the "
               "best epoch's weights?",
        options={
            "A": "The checkpoint file",
            "B": "The model in memory",
            "C": "Neither: both hold the last epoch's weights",
            "D": "Only the model in memory; the file has the last epoch",
        },
        answer=frozenset("AB"),
        why={
            "A": "save_best_only rewrote the file only when val_loss improved.",
            "B": "EarlyStopping put the best weights back at on_train_end.",
            "C": "Both were told to keep the best.",
            "D": "The file is only written on improvement, so it is the best epoch too.",
        },
    ),
    Question(
        prompt="Your callback adds `logs['loss_gap']` in `on_epoch_end`, and `fit` runs with `verbose=1`. "
               "Does the progress bar's epoch line show `loss_gap`?",
        options={
            "A": "Yes: Keras 3 appends the progress bar after your callbacks (and after History)",
            "B": "No: the progress bar is the first callback, so it prints before yours run",
            "C": "Only if you list ProgbarLogger yourself, after your callback",
            "D": "No: the bar shows only compiled metrics",
        },
        answer=frozenset("A"),
        why={
            "A": "The bar runs last, so it prints the logs as your callbacks left them.",
            "B": "That was tf.keras 2; Keras 3 puts it last.",
            "C": "Not needed: it is already last when fit adds it.",
            "D": "It prints every key in logs, added ones included.",
        },
    ),
]
