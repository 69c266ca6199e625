"""The student's side of grading: runs the student's cells and answers the grader's requests.

It lives where the student's code lives (a confined process while grading, the student's own
kernel for `quick_check`) and holds the student's objects. The grader never touches them: it
sends requests (`value`, `call`, `new`, `hook`, `get`, ...) and gets back plain data (see
`wire`). A callback created here gets a `ModelFacade` as `self.model`: a small stand-in whose
every operation is a request to the grader, which owns the real model.

Example:

```python
namespace = {}
run_cells(namespace, setup=[("setup", "import keras")], answers=[("ex1", source)])
server = StudentServer(namespace, ask_grader)   # ask_grader(message) -> reply
server.handle({"op": "new", "name": "BatchTimer", "args": [], "kwargs": {}})
```
"""

import builtins
import re
import tempfile

import keras
import numpy as np

from callbacks_course.grading import wire

HOOKS = frozenset(name for name in vars(keras.callbacks.Callback) if name.startswith("on_"))
MESSAGE_LIMIT = 2000
FACADE_HELP = ("the grader's model offers: `stop_training`, `get_weights()`, `set_weights(weights)`, "
               "`predict(x)`, calling it as `model(x)`, and `optimizer.learning_rate` (read and assign)")
_BUILTIN_ARGS = {  # constructor argument -> the attribute Keras keeps it in
    "ModelCheckpoint": {"filepath": "filepath", "monitor": "monitor", "verbose": "verbose",
                        "save_best_only": "save_best_only", "save_weights_only": "save_weights_only",
                        "mode": "mode", "save_freq": "save_freq", "initial_value_threshold": "best"},
    "EarlyStopping": {"monitor": "monitor", "min_delta": "min_delta", "patience": "patience",
                      "verbose": "verbose", "mode": "mode", "baseline": "baseline",
                      "restore_best_weights": "restore_best_weights", "start_from_epoch": "start_from_epoch"},
    "CSVLogger": {"filename": "filename", "separator": "sep", "append": "append"},
    "TensorBoard": {"log_dir": "log_dir", "histogram_freq": "histogram_freq", "write_graph": "write_graph",
                    "write_images": "write_images", "write_steps_per_second": "write_steps_per_second",
                    "update_freq": "update_freq", "embeddings_freq": "embeddings_freq"},
}
_BUILTINS = {getattr(keras.callbacks, name): name for name in _BUILTIN_ARGS}


def failure(error):
    """A one-line description of an exception, at most MESSAGE_LIMIT characters."""
    return f"{type(error).__name__}: {error}".strip()[:MESSAGE_LIMIT]


def strip_magics(source):
    """Replace IPython magics and shell escapes (`%...`, `!...`) by `pass`, keeping line numbers."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = ""
    return "\n".join(re.sub(r"^(\s*)[%!].*$", r"\1pass", line) for line in lines)


def run_cells(namespace, setup, answers):
    """Run the notebook's setup cells, then the student's answer cells, in `namespace`.

    Returns:
        None when all ran; otherwise `(status, message)`: "setup" when the instructor's cell
        failed, "error" when the student's code raised or called exit().
    """
    namespace.setdefault("__name__", "__main__")
    namespace.setdefault("__builtins__", builtins)
    namespace.setdefault("display", lambda *args, **kwargs: None)
    for name, source in setup:
        try:
            exec(compile(strip_magics(source), f"<setup cell {name}>", "exec"), namespace)
        except BaseException as error:
            return "setup", f"the notebook's setup cell failed ({failure(error)}); tell your instructor"
    for cell_id, source in answers:
        try:
            exec(compile(strip_magics(source), f"<answer cell {cell_id}>", "exec"), namespace)
        except SystemExit:
            return "error", f"your code in cell {cell_id} called exit(); grading needs it to finish"
        except BaseException as error:
            return "error", f"your code in cell {cell_id} raised {failure(error)}"
    return None


def describe_builtin(value, encode):
    """Keras's own built-in callbacks (exactly those classes) as the arguments they hold."""
    name = _BUILTINS.get(type(value))
    if name is None:
        return None
    kwargs = {arg: getattr(value, attr, None) for arg, attr in _BUILTIN_ARGS[name].items()}
    return {"__callback__": name, "kwargs": encode(kwargs)}


def forbid(dotted_names):
    """Disable Keras classes an exercise must not use (e.g. "keras.callbacks.EarlyStopping").

    Their methods raise an error that names the class, so a callback that hands its work to
    one of them fails its checks. In grading this runs in the student's process only; the
    grader's own runs happen elsewhere and are unaffected.

    Returns:
        A function that puts the classes back (for `quick_check`, in the student's own kernel).
    """
    saved = []
    for dotted in dotted_names:
        module, _, name = dotted.rpartition(".")
        cls = getattr(__import__(module, fromlist=[name]), name)
        message = f"this exercise must not use `{dotted}`: write the logic yourself"

        def refuse(*args, _message=message, **kwargs):
            raise RuntimeError(_message)

        for klass in cls.__mro__:
            if klass in (keras.callbacks.Callback, object):
                break
            for attr, member in list(vars(klass).items()):
                if callable(member) and not attr.startswith("__") or attr == "__init__":
                    saved.append((klass, attr, member))
                    setattr(klass, attr, refuse)

    def restore():
        for klass, attr, member in reversed(saved):
            setattr(klass, attr, member)
    return restore


class _LearningRate:
    """The optimizer facade's learning rate: read it as a number, or assign it (also `.assign(v)`)."""

    def __init__(self, ask):
        self._ask = ask

    def value(self):
        return float(self._ask({"facade": "get_lr"})["value"])

    def assign(self, value):
        self._ask({"facade": "set_lr", "value": float(value)})

    def numpy(self):
        return np.float32(self.value())

    def __float__(self):
        return self.value()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value(), dtype=dtype or np.float32)

    def __repr__(self):
        return f"<learning_rate {self.value():g}>"


class _OptimizerFacade:
    def __init__(self, ask):
        object.__setattr__(self, "_ask", ask)

    @property
    def learning_rate(self):
        return _LearningRate(self._ask)

    def __setattr__(self, name, value):
        if name != "learning_rate":
            raise AttributeError(f"the grader's optimizer only lets you set `learning_rate`; {FACADE_HELP}")
        self._ask({"facade": "set_lr", "value": float(value)})

    def __getattr__(self, name):
        raise AttributeError(f"the grader's optimizer has no `{name}`; {FACADE_HELP}")


class ModelFacade:
    """`self.model` of a callback being graded: every operation asks the grader's real model.

    Args:
        ask: `ask(request) -> reply`, the channel to the grader.
    """

    def __init__(self, ask):
        object.__setattr__(self, "_ask", ask)
        object.__setattr__(self, "stop_training", False)
        object.__setattr__(self, "optimizer", _OptimizerFacade(ask))

    def get_weights(self):
        return list(self._ask({"facade": "get_weights"})["value"])

    def set_weights(self, weights):
        self._ask({"facade": "set_weights", "weights": [np.asarray(w) for w in weights]})

    def predict(self, x, **kwargs):
        return self._ask({"facade": "predict", "x": np.asarray(x)})["value"]

    def __call__(self, x, training=False):
        return self._ask({"facade": "call", "x": np.asarray(x), "training": bool(training)})["value"]

    def __setattr__(self, name, value):
        if name != "stop_training":
            raise AttributeError(f"the grader's model does not let you set `{name}`; {FACADE_HELP}")
        object.__setattr__(self, name, bool(value))

    def __getattr__(self, name):
        raise AttributeError(f"the grader's model has no `{name}`; {FACADE_HELP}")


class StudentServer:
    """Answers the grader's requests on the student's `namespace`.

    Args:
        namespace: the student's global names (after `run_cells`).
        ask: `ask(message) -> reply`: sends a facade request to the grader and returns its
            decoded reply (raising the grader's refusal as an exception in the student's code).
    """

    def __init__(self, namespace, ask):
        self.namespace = namespace
        self.objects = []
        self.facade = ModelFacade(self._ask_decoded(ask))

    @staticmethod
    def _ask_decoded(ask):
        def ask_decoded(request):
            reply = ask({key: wire.encode(value) for key, value in request.items()})
            if "error" in reply:
                raise ValueError(str(reply["error"])[:MESSAGE_LIMIT])
            return {key: wire.decode(value) for key, value in reply.items()}
        return ask_decoded

    def handle(self, message):
        """One request -> one reply (a dict of wire data, echoing the request's `id`)."""
        reply = self._handle(message)
        reply["id"] = message.get("id")
        return reply

    def _handle(self, message):
        op = message.get("op")
        try:
            method = getattr(self, f"_op_{op}") if op in _OPS else None
            if method is None:
                return {"refused": f"unknown request {str(op)[:40]!r}"}
            return method(message)
        except wire.WireError as error:
            return {"refused": f"a value could not be sent to the grader: {error}"}
        except Exception as error:
            return {"error": failure(error)}

    def _named(self, message):
        name = message.get("name")
        if not isinstance(name, str) or name not in self.namespace:
            return None
        return self.namespace[name]

    def _op_value(self, message):
        if not isinstance(message.get("name"), str) or message["name"] not in self.namespace:
            return {"missing": True}
        return {"value": wire.encode(self.namespace[message["name"]], describe=describe_builtin)}

    def _op_call(self, message):
        function = self._named(message)
        if function is None:
            return {"missing": "not defined"}
        if not callable(function) or isinstance(function, type):
            return {"missing": "not a function"}
        args, kwargs = wire.decode(message.get("args", [])), wire.decode(message.get("kwargs", {"__dict__": {}}))
        result = function(*args, **kwargs)
        return {"value": wire.encode(result, describe=describe_builtin)}

    def _op_new(self, message):
        cls = self._named(message)
        if cls is None:
            return {"missing": "not defined"}
        if not (isinstance(cls, type) and issubclass(cls, keras.callbacks.Callback)):
            return {"missing": "not a callback class"}
        args, kwargs = wire.decode(message.get("args", [])), wire.decode(message.get("kwargs", {"__dict__": {}}))
        callback = cls(*args, **kwargs)
        callback.set_model(self.facade)
        self.objects.append(callback)
        hooks = sorted(name for name in HOOKS if getattr(type(callback), name, None)
                       is not getattr(keras.callbacks.Callback, name) or name in vars(callback))
        return {"handle": len(self.objects) - 1, "hooks": hooks, "type": type(callback).__name__[:80]}

    def _object(self, message):
        handle = message.get("handle")
        if type(handle) is not int or not 0 <= handle < len(self.objects):
            raise LookupError("no such object")
        return self.objects[handle]

    def _op_params(self, message):
        self._object(message).set_params(wire.decode(message.get("params")))
        return {}

    def _op_model(self, message):
        self._object(message).set_model(self.facade)
        return {}

    def _op_hook(self, message):
        callback, hook = self._object(message), message.get("hook")
        if hook not in HOOKS:
            raise LookupError("no such hook")
        args = [arg for arg in message.get("args", []) if type(arg) is int]
        logs = wire.decode(message["logs"]) if message.get("logs") is not None else None
        object.__setattr__(self.facade, "stop_training", bool(message.get("stop_training")))
        getattr(callback, hook)(*args, logs)
        reply = {"stop_training": bool(self.facade.stop_training)}
        if isinstance(logs, dict):
            plain = {str(key): _plain(value) for key, value in logs.items()}
            reply["logs"] = wire.encode({key: value for key, value in plain.items() if value is not None})
        return reply

    def _op_get(self, message):
        obj, name = self._object(message), message.get("name")
        if not isinstance(name, str) or name.startswith("_") or not hasattr(obj, name):
            return {"missing": True}
        return {"value": wire.encode(getattr(obj, name), describe=describe_builtin)}

    def _op_read_file(self, message):
        path = message.get("path")
        with open(str(path), "rb") as handle:
            data = handle.read(wire.MAX_MESSAGE // 2 + 1)
        if len(data) > wire.MAX_MESSAGE // 2:
            return {"missing": "the file is too large"}
        return {"value": wire.encode(np.frombuffer(data, dtype=np.uint8))}

    def _op_folder(self, message):
        return {"value": tempfile.mkdtemp(prefix="run-")}

    def _op_figures(self, message):
        import matplotlib.pyplot as plt

        return {"value": len(plt.get_fignums())}

    def _op_seed(self, message):
        seed = message.get("seed")
        if type(seed) is not int or not 0 <= seed < 2**32:
            raise ValueError("a seed must be an int in [0, 2**32)")
        keras.utils.set_random_seed(seed)
        return {}


def _plain(value):
    """A `logs` value as a plain number or short string (tensors and arrays of one element too)."""
    if isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= 200):
        return value
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        return None


_OPS = frozenset(("folder", "value", "call", "new", "params", "model", "hook", "get", "read_file", "figures", "seed"))
