"""Self-check questions of lesson 5, EarlyStopping."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="val_loss per epoch: 0.90, 0.70, 0.72, 0.71, 0.73, 0.69. With `EarlyStopping(patience=2)`, "
               "after which epoch does training stop?",
        options={"A": "Epoch 3", "B": "Epoch 4", "C": "Epoch 5", "D": "It runs all 6 epochs"},
        answer=frozenset("B"),
        why={
            "A": "Epoch 3 is only the first epoch without improvement; patience allows two.",
            "B": "Epochs 3 and 4 both fail to beat 0.70: two in a row uses up patience=2.",
            "C": "The count reached 2 at epoch 4 already.",
            "D": "The improvement at epoch 6 comes too late: the run has stopped.",
        },
    ),
    Question(
        prompt="Same numbers, now `EarlyStopping(patience=2, restore_best_weights=True)`. "
               "Which epoch's weights does the model hold when `fit` returns?",
        options={"A": "Epoch 2", "B": "Epoch 4", "C": "Epoch 6", "D": "Epoch 1"},
        answer=frozenset("A"),
        why={
            "A": "Epoch 2 had the best val_loss seen before stopping (0.70); those weights are put back.",
            "B": "That is where it stopped; without restore_best_weights you would get these.",
            "C": "Epoch 6 never ran.",
            "D": "Epoch 1 was beaten by epoch 2.",
        },
    ),
    Question(
        prompt="`EarlyStopping(monitor='val_loss', min_delta=0.05, patience=0)`: "
               "val_loss goes 0.90, 0.87, … When does it stop?",
        options={
            "A": "After epoch 2: 0.03 is less than min_delta, so it is no improvement",
            "B": "Never: 0.87 is lower than 0.90",
            "C": "After epoch 1",
            "D": "Only when val_loss rises",
        },
        answer=frozenset("A"),
        why={
            "A": "An improvement must beat the best by more than min_delta; with patience 0 one miss ends the run.",
            "B": "Lower, but not by more than 0.05, so it does not count.",
            "C": "EarlyStopping never stops after the very first epoch: it has nothing to compare with.",
            "D": "Too-small improvements count as no improvement too.",
        },
    ),
]
