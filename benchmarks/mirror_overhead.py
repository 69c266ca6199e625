"""What a student's callback costs in grading: per forwarded hook, and per item for its mirror model.

In one jail (as a grading worker has), for R rounds, a fresh item runs a callback class whose
`on_train_batch_end` does nothing, and the check's `collect` fits the lab's small model
(`fresh_model`, eager) for one epoch of 8 batches three times:

- with the grader's own no-op callback (no student involved): the bare fit;
- with the student's callback, the first time: the item's first contact, in which the
  student's side builds its mirror of the model (and TensorFlow starts in that process);
- with the student's callback again: every batch end is forwarded with the weights and
  optimizer state the training step changed (steady state).

Prints the medians: seconds per forwarded hook (third fit minus the bare fit, over 8 hooks),
the first contact's extra seconds (second fit minus third), and the whole item. It measures
whatever `callbacks_course` is on the import path, so the same script compares two versions.

Usage: .venv/bin/python benchmarks/mirror_overhead.py [--rounds 5]
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
ANSWER = """
class Noop(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pass
"""


def _collect(student):
    import keras

    from callbacks_course.lab.scenarios import batches, fresh_model, train_data

    def fit(callback):
        model = fresh_model()
        start = time.perf_counter()
        model.fit(batches(*train_data(512)), epochs=1, shuffle=False, callbacks=[callback], verbose=0)
        return time.perf_counter() - start

    bare = fit(keras.callbacks.Callback())
    callback = student.callback("Noop")
    first = fit(callback)
    return {"bare": bare, "first": first, "steady": fit(callback)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("CALLBACKS_COURSE_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    from callbacks_course.sandbox.host.jail import Jail

    job = {"setup": [("setup", "import keras\nimport numpy as np")], "answers": [("ex1", ANSWER)]}
    rounds = []
    with Jail(memory_mb=2048) as jail:
        for _ in range(args.rounds + 1):  # the first round warms the worker's own model up
            start = time.perf_counter()
            outcome = jail.run(job, 120, _collect)
            assert outcome.status == "ok", outcome
            rounds.append(dict(outcome.observed, item=time.perf_counter() - start))
    rounds = rounds[1:]
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    print(f"rounds: {args.rounds}; load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"bare 8-batch fit: {median['bare'] * 1e3:.0f} ms")
    print(f"per forwarded hook (weights changed): {(median['steady'] - median['bare']) / 8 * 1e3:.1f} ms")
    print(f"first contact (mirror built, TensorFlow started in the item): "
          f"{(median['first'] - median['steady']) * 1e3:.0f} ms")
    print(f"whole item (fork, cells, three fits): {median['item']:.2f} s")


if __name__ == "__main__":
    main()
