"""How long `python -m autograde similarity` takes per exercise for a class of N answers (default 200).

The answers are the lab's ex3 in three independent styles (tests/grading/test_similarity.py),
each copy with its names renamed at random: every pair of them is compared by copydetect.

    CALLBACKS_COURSE_OFFLINE=1 .venv/bin/python benchmarks/similarity_speed.py [N]
"""

import pathlib
import random
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "grading")]

import test_similarity as cls  # noqa: E402

from autograde.similarity import compare  # noqa: E402

STUB = "class EarlyStoppingFromScratch(keras.callbacks.Callback):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def main(n=200):
    rng = random.Random(0)
    styles = [cls._reference("ex3"), cls.EX3_OWN, cls.EX3_OTHER]
    answers = {}
    for i in range(n):
        code = styles[i % len(styles)]
        for name in ("self.best", "self.wait", "current", "epoch", "logs", "self.history", "record"):
            code = code.replace(name, f"{name}_{rng.randint(0, 99)}")
        answers[f"s{i:03d}"] = code
    start = time.perf_counter()
    pairs = compare(answers, STUB)
    seconds = time.perf_counter() - start
    print(f"{n} answers, {len(pairs)} pairs compared in {seconds:.1f} s ({1e3 * seconds / len(pairs):.2f} ms a pair)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
