"""Self-check questions of lesson 15, callbacks on every backend."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="The same model, callbacks and `fit` on TensorFlow and on JAX, on a machine without a GPU. "
               "What is the same on both?",
        options={
            "A": "The epoch- and run-level hooks called, in the same order with the same indices",
            "B": "The keys of `logs` at `on_epoch_end`, and the rates a `LearningRateScheduler` sets",
            "C": "The thread on which an `async_safe = True` callback's `on_train_batch_end` runs",
            "D": "Whether Keras compiles the training step with XLA (`jit_compile=\"auto\"`)",
        },
        answer=frozenset("AB"),
        why={
            "A": "The callback API is Keras's: the lesson's 2-epoch fit called identical hooks on both.",
            "B": "Both logged accuracy, loss, val_accuracy, val_loss, and the rates 1e-3 and 2e-3.",
            "C": "Only JAX (and PyTorch) hand batch-end hooks to a thread pool: on TensorFlow it ran on MainThread.",
            "D": "JAX uses XLA; TensorFlow without a GPU runs its graph without XLA (the lesson printed both).",
        },
    ),
    Question(
        prompt="On the JAX backend, a callback overrides `on_train_batch_end` and does not set `async_safe`. "
               "Where does that hook run?",
        options={
            "A": "On the main thread, in the training loop, in batch order",
            "B": "On a thread pool, possibly after the next batch started",
            "C": "It is not called on JAX",
            "D": "On the main thread, and so do the batch-end hooks of every other callback in the same fit",
        },
        answer=frozenset("AD"),
        why={
            "A": "A plain override keeps the hook synchronous (the lesson's 'plain' run: MainThread).",
            "B": "Only when every override in the list declares async_safe = True.",
            "C": "Every backend calls the same hooks in the same order.",
            "D": "One plain override makes the whole list synchronous: the async_safe callback next to it ran on MainThread.",
        },
    ),
    Question(
        prompt="Which statements about `self.model` in a callback hold on the JAX backend?",
        options={
            "A": "Reading it calls `model.jax_state_sync()`, copying the training state back into the model",
            "B": "Reading it at every batch costs time at every batch",
            "C": "It is None during an epoch",
            "D": "Setting `self.model.optimizer.learning_rate` in `on_epoch_begin` has no effect on JAX",
        },
        answer=frozenset("AB"),
        why={
            "A": "JAX keeps the state outside the model during an epoch; the property syncs it first.",
            "B": "The lesson measured the copy per batch (tens of microseconds for 18 variables).",
            "C": "It is the model, with current weights after the sync.",
            "D": "LearningRateScheduler gave the same rates on TensorFlow and JAX.",
        },
    ),
    Question(
        prompt="Why is the first batch of a `fit` much slower than the others?",
        options={
            "A": "On TensorFlow, Keras traces the training step into a graph (`tf.function`) at its first call",
            "B": "On JAX, `jax.jit` traces the step and XLA compiles it at its first call",
            "C": "The first batch is larger than the others",
            "D": "Callbacks are compiled before the first batch",
        },
        answer=frozenset("AB"),
        why={
            "A": "The graph is built once; later batches reuse it.",
            "B": "JAX's first batch was slow too, for its own reason.",
            "C": "All batches have batch_size samples (the last may be smaller).",
            "D": "Callbacks are plain Python, never compiled.",
        },
    ),
]
