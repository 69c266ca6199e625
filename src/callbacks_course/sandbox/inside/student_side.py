"""The student's side of grading: runs the student's cells and answers the grader's requests.

It lives where the student's code lives (a confined process while grading, the student's own
kernel for `quick_check`) and holds the student's objects. The grader never touches them: it
sends requests (`value`, `call`, `new`, `hook`, `get`, ...) and gets back plain data (see
`wire`). A callback created here gets a real Keras model as `self.model`: a `Mirror` of the
grader's model (same architecture, compiled alike, a real optimizer), whose variables and
`stop_training` the grader sends in before each hook and reads back, checked, after it.

Example:

```python
namespace = {}
run_setup(namespace, [("setup", "import keras")])
run_answers(namespace, [("ex1", source)])   # {"ran": True}
server = StudentServer(namespace)
server.handle({"op": "new", "name": "BatchTimer", "args": [], "kwargs": {}})
```
"""

import builtins
import collections
import glob
import json
import linecache
import os
import re
import sys
import tempfile

import keras
import numpy as np

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.protocol import wire

HOOKS = frozenset(name for name in vars(keras.callbacks.Callback) if name.startswith("on_"))
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
    """A one-line description of an exception, at most `limits.MESSAGE_CHARS` characters."""
    return f"{type(error).__name__}: {error}".strip()[:limits.MESSAGE_CHARS]


def strip_magics(source):
    """Replace IPython magics and shell escapes (`%...`, `!...`) by `pass`, keeping line numbers."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = ""
    return "\n".join(re.sub(r"^(\s*)[%!].*$", r"\1pass", line) for line in lines)


def run_setup(namespace, setup):
    """Run the notebook's setup cells in `namespace` (before any of the student's code).

    Returns:
        None when all ran; otherwise the failure, "ExceptionType: message".
    """
    namespace.setdefault("__name__", "__main__")
    namespace.setdefault("__builtins__", builtins)
    namespace.setdefault("display", lambda *args, **kwargs: None)
    for name, source in setup:
        try:
            exec(compile(strip_magics(source), f"<setup cell {name}>", "exec"), namespace)
        except BaseException as error:
            return failure(error)
    return None


def run_answers(namespace, answers):
    """Run the student's answer cells in `namespace`, after `run_setup`.

    Returns:
        {"ran": True}; or {"cell": cell_id, "raised": "ExceptionType: message"}, or
        {"cell": cell_id, "exit": True} when the code called exit(). The grader words the message.
    """
    for cell_id, source in answers:
        try:
            exec(compile(strip_magics(source), f"<answer cell {cell_id}>", "exec"), namespace)
        except SystemExit:
            return {"cell": cell_id, "exit": True}
        except BaseException as error:
            return {"cell": cell_id, "raised": failure(error)}
    return {"ran": True}


def describe_builtin(value, encode):
    """Keras's own built-in callbacks (exactly those classes) as the arguments they hold."""
    name = _BUILTINS.get(type(value))
    if name is None:
        return None
    kwargs = {arg: getattr(value, attr, None) for arg, attr in _BUILTIN_ARGS[name].items()}
    return {"__callback__": name, "kwargs": encode(kwargs)}


def forbid(dotted_names, for_good=False):
    """Disable Keras classes an exercise must not use (e.g. "keras.callbacks.EarlyStopping").

    Their methods raise an error that names the class, so a callback that hands its work to
    one of them fails its checks; so do the classes of the same names of the Keras 2 that
    TensorFlow still imports (`tensorflow.python.keras`). In grading this runs in the student's process only; the
    grader's own runs happen elsewhere and are unaffected.

    Patching the classes alone is undone by running their module's code again (reloading it,
    re-importing it after deleting it from `sys.modules`, reading its source or bytecode).
    `for_good` (the grading jail) therefore also hides
    those files from this process and its children with Landlock (`landlock.hide`), which
    nothing in the process can undo; the classes' original methods are dropped, not kept.

    Args:
        dotted_names: the classes to disable, as dotted names.
        for_good: drop the originals and, where the kernel has Landlock, hide the classes'
            code (`source_files`); never restored (`autograde doctor` says whether it holds).

    Returns:
        A function that puts the classes back (for `quick_check`, in the student's own kernel).

    Example:

    ```python
    restore = forbid(["keras.callbacks.EarlyStopping"])
    keras.callbacks.EarlyStopping().on_train_begin()   # RuntimeError: this exercise must not use ...
    restore()
    ```
    """
    saved, classes = [], []
    for dotted in dotted_names:
        module, _, name = dotted.rpartition(".")
        message = f"this exercise must not use `{dotted}`: write the logic yourself"

        def refuse(*args, _message=message, **kwargs):
            raise RuntimeError(_message)

        for cls in [getattr(__import__(module, fromlist=[name]), name)] + _keras_2_classes(name):
            classes.append(cls)
            for klass in cls.__mro__:
                if klass.__name__ == "Callback" or klass is object:
                    break
                for attr, member in list(vars(klass).items()):
                    if callable(member) and not attr.startswith("__") or attr == "__init__":
                        saved.append((klass, attr, member))
                        setattr(klass, attr, refuse)
    if for_good:
        saved.clear()
        linecache.clearcache()
        from callbacks_course.sandbox.inside import landlock

        if classes and landlock.abi() >= 1:
            landlock.hide(source_files(classes))

    def restore():
        for klass, attr, member in reversed(saved):
            setattr(klass, attr, member)
    return restore


_KERAS_2 = ("tensorflow.python.keras.", "tf_keras.")  # other Keras, whose classes of the same names do the same work
_KERAS_2_FILES = (("tensorflow", "python", "keras", "callbacks.py"), ("tf_keras",))


def _keras_2_classes(name):
    """The classes called `name` in the Keras 2 modules already imported (TensorFlow imports its own)."""
    found = []
    for module_name, module in list(sys.modules.items()):
        cls = getattr(module, name, None) if module_name.startswith(_KERAS_2) else None
        if isinstance(cls, type) and cls.__module__ == module_name and cls not in found:
            found.append(cls)
    return found


def source_files(classes):
    """Every file from which Python could get `classes` (Keras callbacks) again, wherever it is installed.

    The module file defining each class and its bytecode (`__pycache__`), at the same place under
    every `site-packages`/`dist-packages` folder of this machine's Pythons, and the Keras 2 that
    TensorFlow ships (`tensorflow/python/keras/callbacks.py`) or `tf_keras`, whose own classes of
    the same names do the same work.

    Args:
        classes: the classes, e.g. `[keras.callbacks.EarlyStopping]`.

    Returns:
        The paths that exist, sorted.
    """
    relative = set(_KERAS_2_FILES)
    for cls in classes:
        module = sys.modules[cls.__module__]
        relative.add(tuple(module.__name__.split(".")[:-1]) + (os.path.basename(module.__file__),))
    roots = {os.path.realpath(entry) for entry in sys.path if entry.endswith(("site-packages", "dist-packages"))}
    roots.update(glob.glob("/usr/lib/python3*/*-packages") + glob.glob("/usr/local/lib/python3*/*-packages"))
    found = set()
    for root in roots:
        for parts in relative:
            path = os.path.join(root, *parts)
            if os.path.exists(path):
                found.add(path)
            stem, ext = os.path.splitext(parts[-1])
            if ext == ".py":
                found.update(glob.glob(os.path.join(root, *parts[:-1], "__pycache__", glob.escape(stem) + ".*")))
    return sorted(found)


def synced_variables(model):
    """The variables a mirror keeps in step with the grader's `model`: its weights, then its optimizer's."""
    optimizer = getattr(model, "optimizer", None)
    return list(model.weights) + (list(optimizer.variables) if optimizer is not None else [])


def layout(variables):
    """Each variable's shape and dtype, as data: two models with the same layout can trade states."""
    return [[list(variable.shape), str(keras.backend.standardize_dtype(variable.dtype))] for variable in variables]


class Mirror:
    """A real Keras model like the grader's, in step with it: what a student's callback gets as `self.model`.

    Built from the grader's own serialization of its model (architecture, compiled loss,
    optimizer and its settings), with the optimizer's variables built. Before each hook the
    grader sends the values of the variables that changed since it last looked (`load`); after
    the hook, `changes()` are the values the hook changed, for the grader to check and apply
    to its model.

    Args:
        spec: {"model": the JSON of `keras.saving.serialize_keras_object(model)`, "layout": `layout(...)`}.
    """

    def __init__(self, spec):
        self.model = keras.saving.deserialize_keras_object(json.loads(spec["model"]))
        self.model.run_eagerly = True  # a hook's few calls (`predict`, `evaluate`) in a fresh item process: no tracing
        if self.model.optimizer is not None:
            self.model.optimizer.build(self.model.trainable_variables)
        self.variables = synced_variables(self.model)
        if layout(self.variables) != spec["layout"]:
            raise ValueError("the grader's model could not be mirrored (its variables differ)")
        self._loaded = None

    def load(self, state, stop_training):
        """Take the grader's values {index: array} (all of them the first time) and `stop_training`."""
        if self._loaded is None:
            self._loaded = [None] * len(self.variables)
        for index, value in state.items():
            self.variables[int(index)].assign(value)
            self._loaded[int(index)] = value
        self.model.stop_training = bool(stop_training)

    def changes(self):
        """{index: array} of the variables whose values differ from those the grader last sent or took back."""
        changed = {}
        for index, variable in enumerate(self.variables):
            value = np.asarray(variable.numpy())
            if not np.array_equal(value, self._loaded[index]):
                changed[str(index)] = self._loaded[index] = value
        return changed


class StudentServer:
    """Answers the grader's requests on the student's `namespace`.

    Args:
        namespace: the student's global names (after `run_cells`).
    """

    def __init__(self, namespace):
        self.namespace = namespace
        self.objects = []
        self.mirrors = {}
        self.folders = set()  # the run folders made for the grader (`folder`)

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
        self.objects.append(callback)
        hooks = sorted(name for name in HOOKS if getattr(type(callback), name, None)
                       is not getattr(keras.callbacks.Callback, name) or name in vars(callback))
        return {"handle": len(self.objects) - 1, "hooks": hooks, "type": type(callback).__name__[:limits.TYPE_NAME_CHARS]}

    def _object(self, message):
        handle = message.get("handle")
        if type(handle) is not int or not 0 <= handle < len(self.objects):
            raise LookupError("no such object")
        return self.objects[handle]

    def _op_params(self, message):
        self._object(message).set_params(wire.decode(message.get("params")))
        return {}

    def _mirror(self, message):
        """The mirror of the grader's model the message names (built from its spec the first time), or None."""
        key = message.get("model")
        if key is None:
            return None
        if type(key) is not int or not 0 <= key < limits.MIRRORS:
            raise LookupError("no such model")
        if key not in self.mirrors:
            self.mirrors[key] = Mirror(message["spec"])
        return self.mirrors[key]

    def _in_step(self, message, action):
        """Bring the mirror in step with the grader's model, run `action(model)`, reply with what it changed."""
        mirror = self._mirror(message)
        if mirror is not None:
            mirror.load(wire.decode(message.get("state", {"__dict__": {}})), message.get("stop_training"))
        action(None if mirror is None else mirror.model)
        if mirror is None:
            return {}
        return {"state": wire.encode(mirror.changes()), "stop_training": bool(mirror.model.stop_training)}

    def _op_model(self, message):
        return self._in_step(message, self._object(message).set_model)

    def _op_hook(self, message):
        callback, hook = self._object(message), message.get("hook")
        if hook not in HOOKS:
            raise LookupError("no such hook")
        args = [arg for arg in message.get("args", []) if type(arg) is int]
        logs = wire.decode(message["logs"]) if message.get("logs") is not None else None
        reply = self._in_step(message, lambda model: getattr(callback, hook)(*args, logs))
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
            data = handle.read(limits.MESSAGE_BYTES // 2 + 1)
        if len(data) > limits.MESSAGE_BYTES // 2:
            return {"missing": "the file is too large"}
        return {"value": wire.encode(np.frombuffer(data, dtype=np.uint8))}

    def _op_folder(self, message):
        folder = tempfile.mkdtemp(prefix="run-")
        self.folders.add(folder)
        return {"value": folder}

    def _op_folders(self, message):
        if message.get("path") not in self.folders:
            raise LookupError("no such run folder")
        return {"value": folders_below(message["path"])}

    def _op_seed(self, message):
        seed = message.get("seed")
        if type(seed) is not int or not 0 <= seed < 2**32:
            raise ValueError("a seed must be an int in [0, 2**32)")
        keras.utils.set_random_seed(seed)
        return {}


def folders_below(root):
    """The folders below `root` as sorted relative POSIX paths, breadth first, following no link.

    Bounded whatever is there: the walk stops after `limits.RUN_FOLDERS` + 1 folders and does not
    go below `limits.RUN_FOLDER_DEPTH` + 1 parts, so that the grader sees that a bound is passed.
    """
    found, queue = [], collections.deque([""])
    while queue:
        below = queue.popleft()
        with os.scandir(os.path.join(root, below)) as entries:
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    continue
                path = f"{below}/{entry.name}" if below else entry.name
                found.append(path)
                if len(found) > limits.RUN_FOLDERS:
                    return sorted(found)
                if path.count("/") + 1 <= limits.RUN_FOLDER_DEPTH:
                    queue.append(path)
    return sorted(found)


def _plain(value):
    """A `logs` value as a plain number or short string (tensors and arrays of one element too)."""
    if isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= limits.LOG_STRING_CHARS):
        return value
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        return None


_OPS = frozenset(("folder", "folders", "value", "call", "new", "params", "model", "hook", "get", "read_file", "seed"))
