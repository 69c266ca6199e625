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
            "D": "fit returns normally after a stop, so on_train_end runs (not if fit raised: lesson 12).",
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
