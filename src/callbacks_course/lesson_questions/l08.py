"""Self-check questions of lesson 8, visualising progress."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="Why does the gallery show the <i>same</i> 20 digits every epoch rather than a new random draw?",
        options={
            "A": "So that a change from one frame to the next comes from the model, not from the sample",
            "B": "Keras forbids random numbers inside callbacks",
            "C": "`predict` only accepts the first digits of the test set",
            "D": "An animated GIF needs identical frames",
        },
        answer=frozenset("A"),
        why={
            "A": "Fixed digits make each frame comparable: you watch one digit turn from red to green.",
            "B": "Callbacks may use randomness; it just hides the progress here.",
            "C": "predict takes any array of images.",
            "D": "The frames differ, that is the point of the animation.",
        },
    ),
    Question(
        prompt="In which hook should the callback write the GIF?",
        options={
            "A": "on_train_end",
            "B": "on_epoch_end, when `epoch == self.params['epochs'] - 1`",
            "C": "on_train_begin",
            "D": "on_test_end",
        },
        answer=frozenset("A"),
        why={
            "A": "It runs once when fit returns, even after an early stop; not when fit raises (lesson 12).",
            "B": "If EarlyStopping or stop_training ends the run early, that epoch never comes.",
            "C": "No frames exist yet.",
            "D": "That runs after every validation pass (and during evaluate), not once at the end.",
        },
    ),
    Question(
        prompt="Inside `on_epoch_end`, the callback calls `self.model.predict(images, verbose=0)`. What is true?",
        options={
            "A": "Without verbose=0, Keras 3 prints a progress bar every epoch",
            "B": "It raises an error because fit is still running",
            "C": "It triggers on_predict_begin of the callbacks passed to fit",
            "D": "It uses the weights as they are at the end of that epoch",
        },
        answer=frozenset("AD"),
        why={
            "A": "predict's default verbose='auto' shows a bar on each call.",
            "B": "Predicting between epochs is allowed.",
            "C": "predict gets its own (here empty) list of callbacks; fit's callbacks are not called.",
            "D": "That is why each frame shows that epoch's progress.",
        },
    ),
]
