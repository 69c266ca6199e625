"""The grader's side: a handle on the student's code, and a stand-in for their callbacks.

A check gets a `Student` and asks it for the student's answers as data (`value`, `call`) or
for a callback (`callback`): a `RemoteCallback`, a real `keras.callbacks.Callback` in the
grader's process that forwards each hook (index, `logs`, `params`) to the student's object and
brings back the changed `logs` and any attribute the check reads. The student's `self.model`
is a real Keras model of the same architecture in the student's process (a
`student_side.Mirror`): before each hook this side sends the values of the model's and its
optimizer's variables that changed, and `stop_training`; after it, the values the hook
changed come back as data, are checked against the grader's model (which variables, shapes,
dtypes, finite) and applied to it. Nothing else of the student's process reaches the model.

The same classes serve grading (a `StreamChannel` to a confined process) and `quick_check` in
the student's own kernel (`Student.local`), so a callback that passes one passes the other.

Example:

```python
student = Student.local({"BatchTimer": BatchTimer})
timer = student.callback("BatchTimer")
model.fit(x, y, callbacks=[timer])
timer.durations                        # a plain list, fetched from the student's object
```
"""

import json
import pathlib
import secrets
import socket
import time

import keras
import numpy as np

from callbacks_course.grading import GradingError
from callbacks_course.sandbox import limits
from callbacks_course.sandbox.inside.student_side import HOOKS, StudentServer, layout, synced_variables
from callbacks_course.sandbox.protocol import wire

# Keras's base `on_train_batch_*` calls these old aliases, and Keras itself only calls the former.
_ALIASES = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class StudentError(Exception):
    """The student's code raised; the message is `ExceptionType: message`."""


class ItemAborted(BaseException):
    """The student's process timed out or died: the item ends here, whatever the check was doing.

    Args:
        status: "timeout" or "crashed".
        message: what the student reads.
    """

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def _text(value):
    return str(value)[:limits.MESSAGE_CHARS]


def _refused_state(why):
    return ItemAborted("crashed", "your code's process broke the grading protocol: the model state it sent back "
                                  f"does not fit the grader's model ({why})")


def checked_state(state, values):
    """The model state a hook sent back, `{index: array}`, checked against the model's current `values`.

    Every entry must name one of the model's variables and have its exact shape and dtype, with
    finite values: what a real model's variables can hold. Anything else ends the item.

    Raises:
        ItemAborted: the state does not fit.
    """
    if not isinstance(state, dict):
        raise _refused_state("not a mapping of variables")
    checked = {}
    for key, value in state.items():
        if not key.isdigit() or int(key) >= len(values):
            raise _refused_state(f"no variable {key[:20]!r}; the model has {len(values)}")
        index, current = int(key), values[int(key)]
        if not isinstance(value, np.ndarray) or value.dtype != current.dtype or value.shape != current.shape:
            got = f"{value.dtype} {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
            raise _refused_state(f"variable {index} is {got}, the model's is {current.dtype} {current.shape}")
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise _refused_state(f"variable {index} holds NaN or infinite values")
        checked[index] = value
    return checked


class _Link:
    """What the grader knows of one mirror in the student's process: its key and the values it last held."""

    def __init__(self, key, model):
        self.key, self.model, self.values = key, model, None


def _through_wire(message):
    return wire.unpack(wire.pack(message)[4:])


class LocalChannel:
    """A channel to a `StudentServer` in this same process (quick_check in the student's kernel).

    Every message still goes through the wire format, so what passes here passes in grading.
    """

    def __init__(self, namespace):
        self.server = StudentServer(namespace)

    def request(self, message):
        return _through_wire(self.server.handle(_through_wire(message)))


class StreamChannel:
    """A channel over a connected stream socket to the student's confined process.

    Args:
        sock: the grader's end of the socket pair.
        deadline: `time.monotonic()` value after which the item is over (`ItemAborted`).
        timeout: the item's time limit in seconds, for the message.
    """

    def __init__(self, sock, deadline, timeout):
        self.sock, self.deadline, self.timeout = sock, deadline, timeout

    def send(self, message):
        try:
            self.sock.sendall(wire.pack(message))
        except OSError:
            raise ItemAborted("crashed", "your code's process ended before it was graded (e.g. os._exit, "
                                         "a crash, or killed for using too much memory)") from None

    def _read(self, size):
        chunks, left = [], size
        while left:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise ItemAborted("timeout", f"stopped after {self.timeout:g} s: the code did not finish in "
                                             "time (an endless loop?)")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(min(left, 1 << 20))
            except socket.timeout:
                continue
            except OSError:
                data = b""
            if not data:
                raise ItemAborted("crashed", "your code's process ended before it was graded (e.g. os._exit, "
                                             "a crash, or killed for using too much memory)")
            chunks.append(data)
            left -= len(data)
        return b"".join(chunks)

    def receive(self):
        size = int.from_bytes(self._read(4), "big")
        if size > limits.MESSAGE_BYTES:
            raise ItemAborted("crashed", "your code's process sent a message over the size limit")
        try:
            return wire.unpack(self._read(size))
        except wire.WireError as error:
            raise ItemAborted("crashed", f"your code's process sent an unreadable message ({error})") from None

    def request(self, message):
        self.send(message)
        return self.receive()


_REPLIES = {"value": {"value", "missing"}, "call": {"value", "missing"}, "get": {"value", "missing"},
            "read_file": {"value", "missing"}, "new": {"handle", "hooks", "type", "missing"},
            "params": set(), "model": {"state", "stop_training"}, "seed": set(), "folder": {"value"}, "folders": {"value"},
            "hook": {"state", "stop_training", "logs"}}


class Student:
    """The grader's handle on one student's code (see the module docstring).

    Args:
        channel: a `LocalChannel` or `StreamChannel`.
    """

    def __init__(self, channel):
        self.channel = channel
        self._links = []

    @classmethod
    def local(cls, namespace):
        """A handle on `namespace` in this process (quick_check)."""
        return cls(LocalChannel(namespace))

    def request(self, message):
        """Send `message`; return the decoded reply.

        Raises:
            StudentError: the student's code raised.
            GradingError: the request was refused (a missing name, a value over the limits).
        """
        nonce = secrets.token_hex(8)  # a reply written in advance cannot answer this request
        reply = self.channel.request(dict(message, id=nonce))
        if reply.pop("id", None) != nonce or not set(reply) <= _REPLIES[message["op"]] | {"error", "refused"}:
            raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
        if "error" in reply:
            raise StudentError(_text(reply["error"]))
        if "refused" in reply:
            raise GradingError(_text(reply["refused"]))
        try:
            return {key: wire.decode(value) if key in ("value", "logs", "state") else value
                    for key, value in reply.items()}
        except wire.WireError as error:
            raise GradingError(f"a value of yours could not be read: {error}") from None

    def _missing(self, name, reply, kind):
        if "missing" in reply:
            what = "" if reply["missing"] is True else f" ({_text(reply['missing'])})"
            raise GradingError(f"`{name}` is not available{what}: run your answer cell, keep the name `{name}`, "
                               f"and make it a {kind}.")
        if "value" not in reply and "handle" not in reply:
            raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")

    def value(self, name, *default):
        """The student's global `name` as data; `default` (if given) or GradingError when not defined."""
        reply = self.request({"op": "value", "name": name})
        if "missing" in reply and default:
            return default[0]
        self._missing(name, reply, "value")
        return reply["value"]

    def call(self, name, *args, **kwargs):
        """Call the student's function `name` with plain-data arguments; its return value as data."""
        reply = self.request({"op": "call", "name": name, "args": wire.encode(list(args)),
                              "kwargs": wire.encode(kwargs)})
        self._missing(name, reply, "function")
        return reply["value"]

    def callback(self, name, *args, **kwargs):
        """A `RemoteCallback` for a new instance of the student's callback class `name`."""
        reply = self.request({"op": "new", "name": name, "args": wire.encode(list(args)),
                              "kwargs": wire.encode(kwargs)})
        self._missing(name, reply, "class that subclasses `keras.callbacks.Callback`")
        hooks = reply.get("hooks")
        if type(reply.get("handle")) is not int or not isinstance(hooks, list):
            raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
        return RemoteCallback(self, reply["handle"], [h for h in hooks if isinstance(h, str)],
                              _text(reply.get("type", name)))

    def read_file(self, path):
        """The bytes of a file the student's code wrote, or None when it does not exist."""
        try:
            reply = self.request({"op": "read_file", "path": str(path)})
        except StudentError:
            return None
        value = reply.get("value")
        return value.tobytes() if isinstance(value, np.ndarray) else None

    def folder(self):
        """A new empty folder in the student's process (its absolute path), for files their code writes."""
        value = self.request({"op": "folder"}).get("value")
        if not isinstance(value, str):
            raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
        return value

    def folders(self, folder):
        """The folders the student's code made below `folder` (from `folder()`), as checked relative paths.

        At most `limits.RUN_FOLDERS`, each at most `limits.RUN_FOLDER_DEPTH` parts and
        `limits.RUN_FOLDER_CHARS` characters, plain names only (no `..`, no absolute path), so that
        the grader can make them again below a folder of its own and nowhere else.

        Raises:
            GradingError: past a bound, with the message the student reads.
        """
        try:
            made = self.request({"op": "folders", "path": folder}).get("value")
        except StudentError:  # the folder is gone: the student's code removed it
            return []
        if not isinstance(made, list) or not all(isinstance(path, str) for path in made):
            raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
        bounds = (f"at most {limits.RUN_FOLDERS} folders, {limits.RUN_FOLDER_DEPTH} deep and "
                  f"{limits.RUN_FOLDER_CHARS} characters")
        if len(made) > limits.RUN_FOLDERS:
            raise GradingError(f"your code made more than {limits.RUN_FOLDERS} folders in the run folder; the "
                               f"grader makes them again for your callbacks, {bounds}")
        for path in made:
            parts = pathlib.PurePosixPath(path).parts
            if "\0" in path or not parts or path.startswith("/") or "/".join(parts) != path or any(
                    part in (".", "..") for part in parts):
                raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
            if len(parts) > limits.RUN_FOLDER_DEPTH or len(path) > limits.RUN_FOLDER_CHARS:
                raise GradingError(f"your code made the folder {_text(path)[:200]!r} in the run folder; the grader "
                                   f"makes them again for your callbacks, {bounds}")
        return made

    def in_step(self, model):
        """The fields of a message that bring the student's mirror of `model` in step with it ({} for None).

        The first time, the model's serialization (architecture, compile settings, optimizer)
        and the layout of its variables, from which the student's side builds the mirror; then
        the values of the variables that changed since the mirror last held them.
        """
        if model is None:
            return {}
        link = next((link for link in self._links if link.model is model), None)
        fields = {}
        if link is None:
            if len(self._links) >= limits.MIRRORS:
                raise RuntimeError(f"a check may use at most {limits.MIRRORS} models with a student's callbacks")
            if model.optimizer is not None and not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)  # as the first training step would
            link = _Link(len(self._links), model)
            self._links.append(link)
            fields["spec"] = {"model": json.dumps(keras.saving.serialize_keras_object(model)),
                              "layout": layout(synced_variables(model))}
        values = [np.asarray(variable.numpy()) for variable in synced_variables(model)]
        changed = {str(index): value for index, value in enumerate(values)
                   if link.values is None or not np.array_equal(value, link.values[index])}
        link.values = values
        return dict(fields, model=link.key, state=wire.encode(changed), stop_training=bool(model.stop_training))

    def take_back(self, model, reply):
        """Apply to `model` what the student's hook changed in its mirror, once checked (see `checked_state`)."""
        if model is None:
            return
        link = next(link for link in self._links if link.model is model)
        if type(reply.get("stop_training")) is not bool:
            raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
        variables = synced_variables(model)
        for index, value in checked_state(reply.get("state", {}), link.values).items():
            variables[index].assign(value)
            link.values[index] = value
        model.stop_training = reply["stop_training"]

    def seed(self, seed):
        """Seed Python's, NumPy's and TensorFlow's generators in the student's process (`keras.utils.set_random_seed`).

        A check calls it where it seeds its own run, so that an answer drawing random numbers
        (say, which samples to show) draws the same ones in grading as in the notebook.
        """
        self.request({"op": "seed", "seed": int(seed)})


class RemoteCallback(keras.callbacks.Callback):
    """A callback of the grader's that stands for one of the student's callback objects.

    Keras calls its hooks as it calls any callback's; each hook the student's class defines is
    forwarded. Public attributes that are not found here are read from the student's object
    (as data).
    """

    def __init__(self, student, handle, hooks, type_name):
        super().__init__()
        self._student, self._handle = student, handle
        hooks = frozenset(hooks) & HOOKS
        self._hooks = hooks | {_ALIASES[hook] for hook in hooks & set(_ALIASES)}
        self._type_name = type_name

    def set_params(self, params):
        super().set_params(params)
        self._student.request({"op": "params", "handle": self._handle, "params": wire.encode(dict(params))})

    def set_model(self, model):
        super().set_model(model)
        fields = self._student.in_step(model)
        self._student.take_back(model, self._student.request({"op": "model", "handle": self._handle, **fields}))

    def _forward(self, hook, args, logs):
        if hook not in self._hooks:
            return
        model = self._model
        message = {"op": "hook", "handle": self._handle, "hook": hook, "args": list(args),
                   "logs": None if logs is None else wire.encode(_log_values(logs)), **self._student.in_step(model)}
        reply = self._student.request(message)
        self._student.take_back(model, reply)
        if isinstance(logs, dict) and isinstance(reply.get("logs"), dict):
            arrays = {key: value for key, value in logs.items() if type(value) not in (bool, int, float, str)}
            logs.clear()
            logs.update(arrays)  # the student's copies of arrays (predict's outputs) never come back
            logs.update({key: value for key, value in reply["logs"].items()
                         if type(value) in (bool, int, float, str)})

    def attribute(self, name, default=None):
        """The student's object's attribute `name` as data, or `default` when it has none."""
        reply = self._student.request({"op": "get", "handle": self._handle, "name": name})
        return default if "missing" in reply else reply["value"]

    def __getattr__(self, name):
        if name.startswith("_") or name in ("model", "params"):
            raise AttributeError(name)
        reply = self._student.request({"op": "get", "handle": self._handle, "name": name})
        if "missing" in reply:
            raise AttributeError(f"your {self._type_name} has no attribute `{name}`")
        return reply["value"]

    def __repr__(self):
        return f"<student's {self._type_name}>"


def _log_values(logs):
    """`logs` as Keras hands them to callbacks: numbers and strings as they are, tensors as NumPy arrays."""
    plain = {}
    for key, value in logs.items():
        if not isinstance(value, (bool, int, float, str)):
            try:
                value = np.asarray(keras.ops.convert_to_numpy(value))
            except (TypeError, ValueError):
                continue
            if value.dtype.kind not in "biuf":
                continue
        plain[str(key)] = value
    return plain


def _make_hook(hook):
    indexed = "batch" in hook or "epoch" in hook

    def forward(self, *args, logs=None):
        index, rest = (list(args[:1]), args[1:]) if indexed else ([], args)
        self._forward(hook, [int(i) for i in index], rest[0] if rest else logs)
    forward.__name__ = hook
    return forward


for _hook in HOOKS:
    setattr(RemoteCallback, _hook, _make_hook(_hook))
