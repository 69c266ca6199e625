"""Self-check questions of lesson 1, the anatomy of a callback."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="During `fit` with validation data, which hook comes right <i>before</i> `on_epoch_end`?",
        options={"A": "on_test_end", "B": "on_train_batch_end", "C": "on_predict_end", "D": "on_train_end"},
        answer=frozenset("A"),
        why={
            "A": "Validation runs at the end of every epoch, and its on_test_end comes just before on_epoch_end.",
            "B": "The last training batch ends before validation starts.",
            "C": "fit never predicts.",
            "D": "on_train_end comes once, after the last on_epoch_end.",
        },
    ),
    Question(
        prompt="In Keras 3, what does `logs` hold in `on_train_batch_end`?",
        options={
            "A": "The loss and metrics averaged over the epoch's batches so far",
            "B": "The loss of that one batch only",
            "C": "val_loss and val_accuracy",
            "D": "The batch index",
        },
        answer=frozenset("A"),
        why={
            "A": "Metrics are stateful: each batch reports the running mean, so the last batch equals the epoch's figure.",
            "B": "Not a single-batch value: the lesson showed the last batch's logs equal the epoch's.",
            "C": "Validation metrics appear only at epoch end.",
            "D": "The index is the hook's first argument, not a key of logs.",
        },
    ),
    Question(
        prompt="Which hooks does `model.evaluate(..., callbacks=[cb])` call?",
        options={
            "A": "on_test_begin and on_test_end",
            "B": "on_test_batch_begin and on_test_batch_end",
            "C": "on_epoch_begin and on_epoch_end",
            "D": "on_train_begin and on_train_end",
        },
        answer=frozenset("AB"),
        why={
            "A": "evaluate is one test run: begin once, end once.",
            "B": "Each evaluation batch is wrapped by these two.",
            "C": "Epochs belong to fit only.",
            "D": "evaluate does not train.",
        },
    ),
    Question(
        prompt="A callback sets `logs[\"outputs\"][...] = 0` in `on_predict_batch_end`. What does `predict()` return?",
        options={
            "A": "The model's predictions, unchanged",
            "B": "Zeros for every digit",
            "C": "Zeros for that batch only",
            "D": "Nothing: predict raises an error",
        },
        answer=frozenset("A"),
        why={
            "A": "logs is what callbacks see; predict() returns the outputs it kept itself. To change them, change the model.",
            "B": "The lesson's run shows the returned array equal to a run without the callback.",
            "C": "Not even that batch: editing logs changes only what callbacks see.",
            "D": "Keras does not check what a callback does to logs.",
        },
    ),
]
