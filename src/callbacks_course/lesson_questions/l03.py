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
    Question(
        prompt="`TensorBoard(log_dir, histogram_freq=2)` on a 5-epoch run: what does it add to `train/`?",
        options={
            "A": "A histogram of every weight after epochs 0, 2 and 4",
            "B": "A histogram of the loss every 2 batches",
            "C": "Nothing without validation data",
            "D": "A histogram of every weight after epochs 2 and 4 only",
        },
        answer=frozenset("A"),
        why={
            "A": "Every N-th epoch counted from 0: epochs 0, 2, 4, each weight under '<weight path>/histogram'.",
            "B": "Histograms are of weights, at epoch ends, not of the loss.",
            "C": "Keras 3 writes them without validation data (its docstring says otherwise).",
            "D": "The count starts at epoch 0, which is a multiple of 2.",
        },
    ),
    Question(
        prompt="With `steps_per_execution=4` and `update_freq='batch'`, an epoch has 16 batches. At which "
               "steps does the first epoch write `batch_loss`?",
        options={"A": "1, 2, 3, 4", "B": "4, 8, 12, 16", "C": "1 to 16", "D": "0, 4, 8, 12"},
        answer=frozenset("A"),
        why={
            "A": "TensorBoard's batch step counts calls of the batch hooks: one per group of 4 batches.",
            "B": "That is the optimizer's count (used by evaluation_*_vs_iterations), not the batch step.",
            "C": "The hooks, and so the summaries, run once per group, not per batch.",
            "D": "The batch step starts at 1 and counts calls.",
        },
    ),
]
