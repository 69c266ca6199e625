"""Self-check questions of lesson 7, custom callbacks."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="An epoch has 8 batches. A callback sets `self.model.stop_training = True` in "
               "`on_train_batch_end` of batch 2 of epoch 1. What still happens in Keras 3?",
        options={
            "A": "Validation at the end of epoch 1",
            "B": "on_epoch_end(1), and History gets a row for epoch 1",
            "C": "Batch 3 of epoch 1",
            "D": "on_train_end",
        },
        answer=frozenset("ABD"),
        why={
            "A": "fit breaks out of the batch loop, but the validation after it still runs.",
            "B": "The epoch is closed normally, with metrics over the 3 batches that ran.",
            "C": "The flag is checked right after batch 2, so batch 3 never starts.",
            "D": "fit returns normally after a stop, so on_train_end runs (it would not if fit raised).",
        },
    ),
    Question(
        prompt="A callback sets `self.model.stop_training = True` in `on_epoch_begin` of epoch 3. What happens?",
        options={
            "A": "Epoch 3 is skipped entirely",
            "B": "One training batch of epoch 3 runs, then validation and on_epoch_end(3), then training ends",
            "C": "Training stops at once and on_train_end is not called",
            "D": "The flag is reset by on_epoch_begin and ignored",
        },
        answer=frozenset("B"),
        why={
            "A": "fit only reads the flag after a batch and after an epoch, not before the first batch.",
            "B": "The first check comes after the first batch; the epoch is then closed as usual.",
            "C": "The flag ends fit normally, so on_train_end still runs; only an exception skips it.",
            "D": "fit resets the flag only when a new fit starts.",
        },
    ),
    Question(
        prompt="The batch timer of the lesson shows a first batch far slower than the rest. Why?",
        options={
            "A": "Keras builds the TensorFlow graph of the training step on its first call",
            "B": "MNIST is downloaded during the first batch",
            "C": "The first batch is larger than the others",
            "D": "perf_counter needs a warm-up",
        },
        answer=frozenset("A"),
        why={
            "A": "Tracing and compiling the train function happens once, inside the first batch.",
            "B": "The data was loaded before fit was called.",
            "C": "All batches have batch_size digits (only the last may be smaller).",
            "D": "perf_counter is accurate from its first call.",
        },
    ),
    Question(
        prompt="During `fit`, a callback raises an exception in `on_train_batch_end` (or you press "
               "Jupyter's Interrupt). Which hooks still run?",
        options={
            "A": "None: fit raises, and neither on_epoch_end of that epoch nor on_train_end runs",
            "B": "on_train_end, so callbacks can clean up",
            "C": "on_epoch_end of that epoch, then on_train_end",
            "D": "The rest of the epoch's batches",
        },
        answer=frozenset("A"),
        why={
            "A": "on_train_end is the last line of fit's loop, not a finally: the lesson's run shows it skipped.",
            "B": "Only a fit that returns calls on_train_end; clean-up that must happen goes in try/finally.",
            "C": "The exception leaves fit at once: no epoch end.",
            "D": "Nothing more runs in fit after the exception.",
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
            "A": "It raises at once, so fit's remaining hooks are skipped (useful to keep a backup of a failed run).",
            "B": "That is the default, raise_error=False: it sets stop_training.",
            "C": "Neither mode skips batches.",
            "D": "TerminateOnNaN never touches the weights.",
        },
    ),
    Question(
        prompt="Which lines work in a Keras 3 callback?",
        options={
            "A": "float(self.model.optimizer.learning_rate)",
            "B": "self.model.optimizer.learning_rate = 1e-4",
            "C": "keras.backend.get_value(self.model.optimizer.lr)",
            "D": "logs['lr'] is where LearningRateScheduler puts the rate",
        },
        answer=frozenset("AB"),
        why={
            "A": "learning_rate is a keras.Variable; float() reads it.",
            "B": "Assigning a number sets the variable (so does .assign).",
            "C": "Keras 3 has neither optimizer.lr nor keras.backend.get_value: AttributeError.",
            "D": "The key is now 'learning_rate', in logs and in History.",
        },
    ),
]
