"""Self-check questions of lesson 2, where callbacks go."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="You call `model.predict(x, callbacks=[cb])`. Which of `cb`'s hooks can run?",
        options={
            "A": "on_predict_begin and on_predict_end",
            "B": "on_predict_batch_begin and on_predict_batch_end",
            "C": "on_epoch_end",
            "D": "on_test_end",
        },
        answer=frozenset("AB"),
        why={
            "A": "predict is one prediction run: it begins and ends once.",
            "B": "Every prediction batch is wrapped by these two.",
            "C": "Epochs exist only in fit.",
            "D": "on_test_* belongs to evaluate and to fit's validation, not to predict.",
        },
    ),
    Question(
        prompt="Your Keras 2 code calls `model.fit_generator(gen, steps_per_epoch=100, epochs=5)`. "
               "What is the Keras 3 way?",
        options={
            "A": "model.fit(gen, steps_per_epoch=100, epochs=5)",
            "B": "model.fit_generator(gen, ...) still works, with a deprecation warning",
            "C": "model.compile(..., generator=gen) and then model.fit()",
            "D": "Wrap the data in a keras.utils.PyDataset and pass it to fit",
        },
        answer=frozenset("AD"),
        why={
            "A": "fit takes generators directly; steps_per_epoch says where an epoch ends.",
            "B": "The method is gone: Keras 3 raises AttributeError.",
            "C": "compile takes no data (and no callbacks).",
            "D": "Also fine: a PyDataset knows its length, so steps_per_epoch is not even needed.",
        },
    ),
    Question(
        prompt="Why does passing an ordinary, <i>finite</i> generator to `fit(..., epochs=3)` go wrong?",
        options={
            "A": "Keras refuses generators without a __len__",
            "B": "The generator runs dry during the first epoch, so later epochs get (almost) no data",
            "C": "Callbacks are not called for generators",
            "D": "Generators can only be used with predict",
        },
        answer=frozenset("B"),
        why={
            "A": "Keras accepts it; it just cannot know the length in advance.",
            "B": "A generator runs once (Keras warns that the input ran out of data); make it endless and "
                 "set steps_per_epoch, or use a PyDataset.",
            "C": "The lesson showed the same hooks firing for a generator as for arrays.",
            "D": "fit, evaluate and predict all accept generators.",
        },
    ),
]
