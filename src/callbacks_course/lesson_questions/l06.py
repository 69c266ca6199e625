"""Self-check questions of lesson 6, CSVLogger."""

from callbacks_course.selfcheck import Question

QUESTIONS = [
    Question(
        prompt="You resume a run with `model.fit(..., initial_epoch=4, epochs=8, "
               "callbacks=[CSVLogger('log.csv')])`. What is in `log.csv` afterwards?",
        options={
            "A": "The rows of epochs 4 to 7 only",
            "B": "The rows of epochs 0 to 7",
            "C": "Two header lines",
            "D": "An error: the file already exists",
        },
        answer=frozenset("A"),
        why={
            "A": "Without append=True the logger opens the file for writing and replaces the old rows.",
            "B": "That needs append=True.",
            "C": "A new header is written, but the old content is gone, so there is only one.",
            "D": "CSVLogger happily overwrites an existing file.",
        },
    ),
    Question(
        prompt="When does CSVLogger write a row to its file?",
        options={
            "A": "After every training batch",
            "B": "At the end of every epoch, flushed to disk at once",
            "C": "Only when training ends",
            "D": "When you call `history.save()`",
        },
        answer=frozenset("B"),
        why={
            "A": "It has no batch hooks: one row per epoch.",
            "B": "on_epoch_end writes and flushes the row, so a crash later loses nothing.",
            "C": "on_train_end only closes the file.",
            "D": "There is no such method; the logger writes by itself.",
        },
    ),
    Question(
        prompt="A file was written with `CSVLogger(path, separator=';')`. Which reads it back correctly?",
        options={
            "A": "`csv.DictReader(f)`",
            "B": "`csv.DictReader(f, delimiter=';')`",
            "C": "`np.genfromtxt(path, delimiter=';', names=True)`",
            "D": "`np.genfromtxt(path, names=True)`",
        },
        answer=frozenset("BC"),
        why={
            "A": "DictReader expects commas by default: each row would be one long field.",
            "B": "The reader must use the writer's separator.",
            "C": "Same for NumPy: delimiter=';' with the header as field names.",
            "D": "Without a delimiter NumPy splits on whitespace, which this file has none of.",
        },
    ),
]
