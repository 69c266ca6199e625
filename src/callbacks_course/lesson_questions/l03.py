"""Self-check questions of lesson 3, TensorBoard."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="`TensorBoard(log_dir='runs/a')` watched a `fit` with validation data. "
               "Where is `val_loss` written, and under which tag?",
        options={
            "A": "runs/a/validation, tag epoch_loss",
            "B": "runs/a/train, tag val_loss",
            "C": "runs/a/validation, tag val_loss",
            "D": "runs/a, tag validation_loss",
        },
        answer=frozenset("A"),
        why={
            "A": "Validation figures go to the validation folder with the val_ prefix dropped, so TensorBoard "
                 "can overlay train and validation epoch_loss in one chart.",
            "B": "The train folder holds the training figures only.",
            "C": "The val_ prefix is dropped: the folder already says it is validation.",
            "D": "Nothing is written directly in log_dir; there is no such tag.",
        },
    ),
    Question(
        prompt="An epoch has 10 batches. Which settings give you a `batch_loss` point after every 2 batches "
               "<i>and</i> still one `epoch_loss` point per epoch?",
        options={
            "A": "update_freq=2",
            "B": "update_freq=3",
            "C": "update_freq='batch'",
            "D": "update_freq='epoch'",
        },
        answer=frozenset("A"),
        why={
            "A": "Every 2nd batch is written, and each epoch ends on a multiple of 2 (10, 20, …), so the "
                 "epoch figures are written too.",
            "B": "Every 3rd batch, not every 2nd; and epochs ending at 10, 20 are not all multiples of 3, "
                 "so epoch figures go missing.",
            "C": "That writes after every batch, not every second one.",
            "D": "That writes no batch figures at all.",
        },
    ),
    Question(
        prompt="You read a Keras 3 event file with `EventAccumulator` and `Tags()['scalars']` is empty. Why?",
        options={
            "A": "The run crashed before writing anything",
            "B": "Keras 3 writes its scalars as tensor summaries: look in Tags()['tensors']",
            "C": "You forgot update_freq='batch'",
            "D": "EventAccumulator cannot read Keras 3 files",
        },
        answer=frozenset("B"),
        why={
            "A": "The lesson's healthy run had an empty 'scalars' list too.",
            "B": "Right: read them with Tensors(tag) and make_ndarray.",
            "C": "update_freq changes how often, not how, numbers are stored.",
            "D": "It reads them fine, via Tensors().",
        },
    ),
]
