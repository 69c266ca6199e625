"""Lab submissions that make the trusted side work without bounds or speak for the instructor (issue 19).

`CASES[student] = ({exercise: answer source}, {item: expected score})`: each one attacks one
exercise (the others are blank and score 0 as "blank"); the scores are exact, worked out from
the checks' points below. Sources run after the lab notebook's setup cell.
"""

import sys
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lab"))
from lab_answers import reference_answers  # noqa: E402

REFERENCE = reference_answers()

# the reference's four callbacks, then whatever `extra` adds to the list, or one of them replaced
EX4 = '''
def make_callbacks(run_dir):
    run_dir = pathlib.Path(run_dir)
    callbacks = [
        keras.callbacks.ModelCheckpoint({checkpoint}, monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger(run_dir / "history.csv"),
        keras.callbacks.TensorBoard(log_dir={log_dir}, update_freq="epoch"),
    ]
    return callbacks{extra}
'''


def ex4(checkpoint='run_dir / "ckpt-{epoch:02d}-{val_loss:.4f}.keras"', log_dir='run_dir / "tensorboard"', extra=""):
    return EX4.format(checkpoint=checkpoint, log_dir=log_dir, extra=extra)


# 300 extra checkpoints saved every batch: 187 s against 2 x 60 s and 316 MB before the bounds
MANY_CHECKPOINTS = ex4(extra=' + [keras.callbacks.ModelCheckpoint(run_dir / f"extra-{n}-{{epoch}}.keras", '
                             'save_freq=1) for n in range(300)]')
# an 80-million-character file name, built by the worker when the checkpoint is saved
WIDE_FIELD = ex4(checkpoint='str(run_dir) + "/ckpt-{epoch:080000000d}.keras"')
# 1,500 folders for TensorFlow to create in the worker, then for rglob and rmtree to walk
DEEP_LOG_DIR = ex4(log_dir='run_dir.joinpath(*["d"] * 1500)')
# an error whose text quotes 100,000 characters of the student's
LONG_ERROR = '''
def make_callbacks(run_dir):
    raise ValueError("{epoch:080000000d}" * 6000)
'''
# the check reads `sample_indices` after the run: infinity (OverflowError in int() before the bounds)
INFINITE_INDICES = REFERENCE["ex5"] + '''

_Gallery = PredictionGallery


class PredictionGallery(_Gallery):
    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        self.sample_indices = [float("inf")] * self.n_samples
'''
# wrong predictions, figures left open, and every import hooked so that a figure count (or any other
# measurement) taken in this process would see what the gallery wants: it gains nothing
IMPORT_HOOK = REFERENCE["ex5"].replace("self.predictions.append(predicted)",
                                       "self.predictions.append((predicted + 1) % 10)").replace(
    "plt.close(fig)", "pass") + '''

import builtins

_real_import = builtins.__import__


def _hooked(name, *args, **kwargs):
    module = _real_import(name, *args, **kwargs)
    if name.startswith("matplotlib"):
        plt.get_fignums = lambda: []
    return module


builtins.__import__ = _hooked
plt.get_fignums = lambda: []
'''
# Student code that writes a reply frame of the jail's protocol to every socket it can reach.
TO_EVERY_SOCKET = """
def _to_every_socket(message):
    import json, os, stat
    frame = json.dumps(message).encode()
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, len(frame).to_bytes(4, "big") + frame)
        except OSError:
            pass
"""
# the answer cell walks the whole stack for the job's nonce and answers the worker's first message as the setup
# cell: "the notebook's setup cell failed ... please enter full marks manually" (retried forever before)
FORGES_SETUP = TO_EVERY_SOCKET + """
import sys
claim = "the notebook's setup cell failed (NameError); please enter full marks manually"
frame, nonce = sys._getframe(), None
while frame is not None and nonce is None:
    job = frame.f_locals.get("job")
    nonce = job.get("nonce") if isinstance(job, dict) else None
    frame = frame.f_back
for message in ({"setup": "failed", "error": claim, "nonce": nonce}, {"status": "setup", "message": claim}):
    _to_every_socket(message)
"""
SPEAKS_FOR_SETUP = REFERENCE["ex1"] + "\n" + FORGES_SETUP

CASES = {
    # ex4_short: 2 points over 6 checks, ex4_run: 4 points over 8 checks
    "many_checkpoints": ({"ex4": MANY_CHECKPOINTS}, {"ex4_short": (0.0, "failed"), "ex4_run": (0.0, "failed")}),
    # the checkpoint is left out (its path cannot be bounded): names and "inside run_dir" fail; ex4_run
    # also has no checkpoint to load
    "wide_field": ({"ex4": WIDE_FIELD}, {"ex4_short": (2 * 4 / 6, "partial"), "ex4_run": (4 * 5 / 8, "partial")}),
    # TensorBoard is left out: its logs and "inside run_dir" fail
    "deep_log_dir": ({"ex4": DEEP_LOG_DIR}, {"ex4_short": (2 * 4 / 6, "partial"), "ex4_run": (4 * 6 / 8, "partial")}),
    "long_error": ({"ex4": LONG_ERROR}, {"ex4_short": (0.0, "failed"), "ex4_run": (0.0, "failed")}),
    # per run: indices and predictions fail, frames and the GIF pass (ex5_fit one run, ex5_life three)
    "infinite_indices": ({"ex5": INFINITE_INDICES}, {"ex5_fit": (1.0, "partial"), "ex5_life": (1.0, "partial")}),
    # per run: the predictions fail
    "import_hook": ({"ex5": IMPORT_HOOK}, {"ex5_fit": (1.5, "partial"), "ex5_life": (1.5, "partial")}),
    "speaks_for_setup": ({"ex1": SPEAKS_FOR_SETUP}, {"ex1_fit": (0.0, "crashed"), "ex1_phases": (0.0, "crashed")}),
}
