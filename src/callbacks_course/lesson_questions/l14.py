"""Self-check questions of lesson 14, callbacks outside fit."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="Your own training loop drives `keras.callbacks.CallbackList([...], model=model, epochs=E, steps=S)`. "
               "What is left for your loop to do?",
        options={
            "A": "Call the hooks in fit's order: on_train_begin, on_epoch_begin, the batch hooks, on_epoch_end, on_train_end",
            "B": "Look at `model.stop_training` after `on_epoch_end` and leave the loop when it is True",
            "C": "Call `set_model(model)` on every callback",
            "D": "Nothing about stopping: EarlyStopping breaks your loop itself",
        },
        answer=frozenset("AB"),
        why={
            "A": "Nobody else calls them: the lesson's loop called them and got fit's exact order.",
            "B": "EarlyStopping only sets the flag; fit, or your loop, acts on it.",
            "C": "CallbackList does it when given model= (and set_params with the other keywords).",
            "D": "A callback cannot leave your loop: it sets model.stop_training.",
        },
    ),
    Question(
        prompt="A custom `train_step` returns `{'loss': loss, 'grad_norm': norm}`, the values of the batch. "
               "What do the callbacks receive?",
        options={
            "A": "At `on_epoch_end`, the epoch's averages of loss and grad_norm",
            "B": "At `on_epoch_end`, the last batch's loss and grad_norm",
            "C": "Empty logs: custom train steps pass nothing to callbacks",
            "D": "At `on_train_batch_end`, that batch's own values",
        },
        answer=frozenset("BD"),
        why={
            "A": "Keras averages only through the model's metrics; these keys are not the metrics' names.",
            "B": "When the keys differ from the metrics' names, Keras passes on the last step's logs.",
            "C": "The batch hooks get exactly the returned dictionary.",
            "D": "The lesson's batch losses changed from batch to batch; no running average.",
        },
    ),
    Question(
        prompt="Which statements about callbacks in `predict` hold?",
        options={
            "A": "Setting `logs['outputs']` to zeros in `on_predict_batch_end` makes predict return zeros for that batch",
            "B": "`logs['outputs']` in `on_predict_batch_end` holds the batch's predictions, which a callback can collect",
            "C": "Setting `self.model.stop_predicting = True` in a batch hook makes predict return only the batches done so far",
            "D": "`predict` takes no callbacks",
        },
        answer=frozenset("BC"),
        why={
            "A": "Keras collected the outputs before the hook: the lesson's predictions were unchanged.",
            "B": "The lesson's collector gathered the same digits predict returned.",
            "C": "The lesson's predict stopped after 3 batches: 96 predictions.",
            "D": "It takes callbacks=, like fit and evaluate.",
        },
    ),
]
