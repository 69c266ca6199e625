"""Self-check questions of lesson 4, ModelCheckpoint."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="`ModelCheckpoint('ckpt/best.keras', save_best_only=True)` watches a 10-epoch run whose "
               "val_loss improves in epochs 1, 2, 3 and 6. How many files are in `ckpt/` afterwards?",
        options={"A": "1", "B": "4", "C": "10", "D": "0, because the last epoch did not improve"},
        answer=frozenset("A"),
        why={
            "A": "The name has no {epoch}, so every improvement overwrites the same file, ending with epoch 6's model.",
            "B": "That many saves happen, but all to the same name.",
            "C": "save_best_only skips epochs without improvement.",
            "D": "What was saved stays; a worse last epoch just does not overwrite it.",
        },
    ),
    Question(
        prompt="Which file names does Keras 3 accept for `ModelCheckpoint(path, save_weights_only=True)`?",
        options={"A": "w.weights.h5", "B": "w.h5", "C": "w.keras", "D": "w_folder"},
        answer=frozenset("A"),
        why={
            "A": "Weights-only checkpoints must end in .weights.h5.",
            "B": "Refused: with save_weights_only the name must end in .weights.h5.",
            "C": "Refused: .keras is for whole models.",
            "D": "Refused: Keras 3 writes no SavedModel folders from this callback.",
        },
    ),
    Question(
        prompt="With `save_freq=50`, an epoch has 120 batches. When does the callback save?",
        options={
            "A": "After batches 50 and 100 of epoch 1, then after batch 30 and 80 of epoch 2, …",
            "B": "Every 50 epochs",
            "C": "After batches 50 and 100 of every epoch, restarting the count each epoch",
            "D": "At every epoch end, plus every 50 batches",
        },
        answer=frozenset("A"),
        why={
            "A": "The count runs on across epochs: the 150th batch overall is batch 30 of epoch 2.",
            "B": "An integer save_freq counts batches, not epochs.",
            "C": "The counter is not reset at epoch boundaries.",
            "D": "An integer replaces the per-epoch saving; it does not add to it.",
        },
    ),
    Question(
        prompt="`ModelCheckpoint(..., monitor='loss', save_best_only=True, save_freq=6)`, once the first epoch has "
               "ended: what does a save in the middle of an epoch compare with the best value so far?",
        options={
            "A": "The running average of the training loss over the current epoch so far",
            "B": "The validation loss",
            "C": "The loss of that one batch",
            "D": "The average training loss over the whole run so far",
        },
        answer=frozenset("A"),
        why={
            "A": "Batch logs hold running averages, and they restart every epoch: a noisy proxy, not the best model.",
            "B": "Mid-epoch the logs hold no val_loss (with monitor='val_loss' it warns and saves anyway).",
            "C": "Keras 3's batch logs are averages over the epoch so far, not one batch's loss.",
            "D": "The averages restart at every epoch; nothing averages over the whole run.",
        },
    ),
]
