"""`python -m autograde similarity`: near-copies of the lab rank first, independent answers stay low.

The class answers the real lab (quizzes/callbacks_lab): ada writes the reference solutions, bo
copies them with renamed variables and reordered methods, cy and dee write their own correct
answers, fay leaves the stubs; eve copies cy and adds markup, gus sends a huge cell and a student
whose id is markup a broken notebook.
"""

import re

import nbformat

from autograde.similarity import MAX_CELL_CHARS, THRESHOLD, compare
from support.grading import ROOT, autograde, submission

RELEASED = ROOT / "quizzes" / "callbacks_lab" / "callbacks_lab.ipynb"
SOLUTION = ROOT / "solutions" / "callbacks_lab" / "callbacks_lab.ipynb"


def _reference(cell):
    nb = nbformat.read(str(SOLUTION), as_version=4)
    source = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell)
    return re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", source)


def _near_copy(source, renames):
    """`source` with names renamed and its methods in reverse order."""
    for old, new in renames.items():
        source = source.replace(old, new)
    head, *methods = source.split("\n    def ")
    return head + "".join("\n    def " + method for method in reversed(methods))


EX3_OWN = '''class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience = monitor, patience
        self.min_delta, self.restore_best_weights = abs(min_delta), restore_best_weights

    def on_train_begin(self, logs=None):
        self.history, self.stopped_epoch, self.best_epoch = [], 0, 0
        self.kept = None

    def on_epoch_end(self, epoch, logs=None):
        if not logs or self.monitor not in logs:
            return
        self.history.append(logs[self.monitor])
        best_so_far = min(self.history[:-1], default=float("inf"))
        if self.history[-1] < best_so_far - self.min_delta or len(self.history) == 1:
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.kept = [w.copy() for w in self.model.get_weights()]
        elif epoch - self.best_epoch > self.patience or self.patience == 0:
            self.model.stop_training = True
            self.stopped_epoch = epoch

    def on_train_end(self, logs=None):
        if self.kept is not None:
            self.model.set_weights(self.kept)
'''

EX3_OTHER = '''class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.settings = dict(monitor=monitor, patience=patience, min_delta=abs(min_delta))
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.record = {"best": float("inf"), "epoch": 0, "weights": None, "bad": 0}
        self.stopped_epoch = 0

    def on_train_end(self, logs=None):
        weights = self.record["weights"]
        if self.restore_best_weights and weights is not None:
            self.model.set_weights(weights)

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.settings["monitor"])
        if value is None:
            return
        record = self.record
        if value + self.settings["min_delta"] < record["best"]:
            record.update(best=value, epoch=epoch, bad=0)
            record["weights"] = self.model.get_weights() if self.restore_best_weights else None
            return
        record["bad"] += 1
        if epoch > 0 and record["bad"] >= max(1, self.settings["patience"]):
            self.model.stop_training, self.stopped_epoch = True, epoch
'''

# cy's answer with markup added: a near-copy, so it is shown side by side, as text
HOSTILE = EX3_OWN.replace("    def on_train_begin", '''    """</pre><script>alert("owned")</script><img src=x onerror=alert(1)>"""

    def on_train_begin''') + '''
    def flag(self):
        return "<b>bold</b>" == "&amp;"
'''


def _class(tmp_path):
    """The submissions folder of the class described in the module docstring."""
    ada = {"ex3": _reference("ex3"), "ex1": _reference("ex1")}
    bo = {"ex3": _near_copy(ada["ex3"], {"self.best_weights": "self.saved", "current": "observed",
                                          "self.wait": "self.strikes", "self.best": "self.lowest"}),
          "ex1": _near_copy(ada["ex1"], {"durations": "times", "_started": "_t0"})}
    students = {"ada": ada, "bo": bo, "cy": {"ex3": EX3_OWN}, "dee": {"ex3": EX3_OTHER}, "fay": {},
                "eve": {"ex3": HOSTILE}, "gus": {"ex1": "x = 1\n" * (MAX_CELL_CHARS // 3)}}
    subs = tmp_path / "subs"
    for student, answers in students.items():
        folder = subs / student / "callbacks_lab"
        folder.mkdir(parents=True)
        nbformat.write(submission(RELEASED, answers), str(folder / "callbacks_lab.ipynb"))
    (subs / "<i>hal" / "callbacks_lab").mkdir(parents=True)
    (subs / "<i>hal" / "callbacks_lab" / "callbacks_lab.ipynb").write_text('{"cells": [')
    return subs


def test_near_copies_rank_first_and_independent_answers_stay_below_the_threshold():
    stub = "class EarlyStoppingFromScratch(keras.callbacks.Callback):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    copy = _near_copy(_reference("ex3"), {"self.best_weights": "self.saved", "current": "observed"})
    pairs = compare({"ada": _reference("ex3"), "bo": copy, "cy": EX3_OWN, "dee": EX3_OTHER}, stub)
    assert (pairs[0].a, pairs[0].b) == ("ada", "bo")
    assert pairs[0].score >= 0.9 and min(pairs[0].share_a, pairs[0].share_b) >= 0.9
    assert len(pairs) == 6
    assert all(pair.score < THRESHOLD for pair in pairs[1:]), [(p.a, p.b, p.score) for p in pairs]
    assert "<mark>" in pairs[0].marked_a and "<mark>" in pairs[0].marked_b


def test_the_released_template_does_not_count():
    """Two answers that share only a long template: similar with it counted, not once it is boilerplate."""
    template = ('class Tracker(keras.callbacks.Callback):\n'
                '    """Fill in the hooks below; keep the helper methods as they are."""\n\n'
                '    def summary(self):\n        rows = [f"{name}: {value:.4f}" for name, value in sorted(self.state.items())]\n'
                '        return "\\n".join(rows) if rows else "(nothing recorded)"\n\n'
                '    def reset(self):\n        self.state = {}\n        self.calls = 0\n        self.seen_epochs = []\n\n')
    one = template + ("    def on_epoch_end(self, epoch, logs=None):\n        self.seen_epochs.append(epoch)\n"
                      "        if logs and 'val_loss' in logs:\n            self.state['best'] = min(logs['val_loss'],\n"
                      "                                     self.state.get('best', float('inf')))\n")
    two = template + ("    def on_train_batch_end(self, batch, logs=None):\n        for key in (logs or {}):\n"
                      "            self.state[key] = float(logs[key])\n        self.calls += 1\n"
                      "        while len(self.seen_epochs) > 3:\n            del self.seen_epochs[0]\n")
    assert compare({"one": one, "two": two})[0].score >= THRESHOLD
    assert compare({"one": one, "two": two}, template)[0].score < THRESHOLD


def test_similarity_page_of_a_class(tmp_path):
    subs = _class(tmp_path)
    result = autograde("similarity", str(subs), "--out", str(tmp_path / "out"), "--assignment", "callbacks_lab",
                       course=ROOT, work=tmp_path / "work")
    assert result.returncode == 0, result.stderr
    other = autograde("similarity", str(subs), "--assignment", "callbacks_quiz", course=ROOT, work=tmp_path / "work")
    assert other.returncode == 2 and "no submissions of callbacks_quiz under" in other.stderr
    page = (tmp_path / "out" / "similarity.html").read_text()
    sections = {match.group(1): match.start() for match in re.finditer(r"<h2>callbacks_lab: (ex\d)</h2>", page)}
    assert sorted(sections) == [f"ex{n}" for n in range(1, 8)]
    ex3 = page[sections["ex3"]:sections["ex4"]]
    assert "5 answers compared, 10 pairs, 2 at or above 50%." in ex3
    ranked = re.findall(r"<tr class='(high|)'><td>(\d+)%</td><td><a [^>]*>(\w+) – (\w+)</a>", ex3)
    assert sorted((a, b) for _, _, a, b in ranked[:2]) == [("ada", "bo"), ("cy", "eve")]
    assert all(int(score) >= 90 for _, score, _, _ in ranked[:2])
    assert all(high == "" and int(score) < 50 for high, score, _, _ in ranked[2:]) and len(ranked) == 10
    assert "3 answers compared, 3 pairs, 1 at or above 50%." in page[sections["ex1"]:sections["ex2"]]
    assert "0 answers compared, 0 pairs" in page[sections["ex7"]:]
    # hostile code is shown as text, never as markup; the huge cell and the broken notebook are reported
    assert "<script>" not in page and "<img" not in page and "<b>bold" not in page and "<i>" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in ex3
    assert "&amp;amp;" in ex3
    assert f"gus: cell ex1 has {MAX_CELL_CHARS // 3 * 6} characters; only its first {MAX_CELL_CHARS} were compared" in page
    assert re.search(r"&lt;i&gt;hal: callbacks_lab.ipynb not compared \(the file is not a notebook", page)
    assert len(page) < 400_000
