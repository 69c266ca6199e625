"""The grader's side: a handle on the student's code, and a stand-in for their callbacks.

A check gets a `Student` and asks it for the student's answers as data (`value`, `call`) or
for a callback (`callback`): a `RemoteCallback`, a real `keras.callbacks.Callback` in the
grader's process that forwards each hook (index, `logs` as numbers, `params`) to the student's
object and brings back `stop_training`, the changed `logs` and any attribute the check reads.
While a hook runs, the student's `self.model` asks this side for the model's weights,
predictions or learning rate (`serve_model`), answered from the grader's real model after
checking each request.

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

import math
import secrets
import socket
import time

import keras
import numpy as np

from callbacks_course.grading import GradingError, wire
from callbacks_course.grading.student_side import HOOKS, MESSAGE_LIMIT, StudentServer

MAX_PREDICT = 4096
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
    return str(value)[:MESSAGE_LIMIT]


def serve_model(model, request):
    """Answer one facade request of the student's `self.model` from the grader's `model`."""
    kind = request.get("facade")
    try:
        if model is None:
            raise ValueError("the callback has no model yet (it is set when fit, evaluate or predict starts)")
        if kind == "get_weights":
            return {"value": wire.encode(model.get_weights())}
        if kind == "set_weights":
            model.set_weights(_weights_like(model, wire.decode(request.get("weights"))))
            return {}
        if kind in ("predict", "call"):
            x = _inputs_for(model, wire.decode(request.get("x")))
            if kind == "predict":
                return {"value": wire.encode(np.asarray(model.predict(x, verbose=0)))}
            return {"value": wire.encode(np.asarray(model(x, training=request.get("training") is True)))}
        if kind == "get_lr":
            return {"value": float(np.asarray(model.optimizer.learning_rate))}
        if kind == "set_lr":
            value = request.get("value")
            if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
                raise ValueError("the learning rate must be a finite number >= 0")
            model.optimizer.learning_rate = float(value)
            return {}
    except wire.WireError as error:
        return {"error": f"the grader's model refused the request: {error}"}
    except (ValueError, TypeError, AttributeError) as error:
        return {"error": _text(error)}
    return {"error": f"the grader's model does not offer {_text(kind)!r}"}


def _weights_like(model, weights):
    current = model.get_weights()
    if not isinstance(weights, list) or len(weights) != len(current):
        raise ValueError(f"set_weights needs a list of {len(current)} arrays, like get_weights() returns")
    for new, old in zip(weights, current):
        if not isinstance(new, np.ndarray) or new.shape != old.shape:
            raise ValueError("set_weights needs arrays of the shapes get_weights() returns")
    return [new.astype(old.dtype) for new, old in zip(weights, current)]


def _inputs_for(model, x):
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "biuf":
        raise ValueError("the model's inputs must be a numeric array")
    expected = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    if x.ndim < 1 or len(x) > MAX_PREDICT or (expected and tuple(x.shape[1:]) != expected):
        raise ValueError(f"the model takes a batch of at most {MAX_PREDICT} inputs of shape {expected}")
    return x.astype("float32")


def _through_wire(message):
    return wire.unpack(wire.pack(message)[4:])


class LocalChannel:
    """A channel to a `StudentServer` in this same process (quick_check in the student's kernel).

    Every message still goes through the wire format, so what passes here passes in grading.
    """

    def __init__(self, namespace):
        self._serve_facade = None
        self.server = StudentServer(namespace, self._ask)

    def _ask(self, request):
        return _through_wire(self._serve_facade(_through_wire(request)))

    def request(self, message, serve_facade):
        previous, self._serve_facade = self._serve_facade, serve_facade
        try:
            return _through_wire(self.server.handle(_through_wire(message)))
        finally:
            self._serve_facade = previous


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
        if size > wire.MAX_MESSAGE:
            raise ItemAborted("crashed", "your code's process sent a message over the size limit")
        try:
            return wire.unpack(self._read(size))
        except wire.WireError as error:
            raise ItemAborted("crashed", f"your code's process sent an unreadable message ({error})") from None

    def request(self, message, serve_facade):
        self.send(message)
        while True:
            reply = self.receive()
            if "facade" not in reply:
                return reply
            self.send(serve_facade(reply))


_REPLIES = {"value": {"value", "missing"}, "call": {"value", "missing"}, "get": {"value", "missing"},
            "read_file": {"value", "missing"}, "figures": {"value"}, "new": {"handle", "hooks", "type", "missing"},
            "params": set(), "model": set(), "seed": set(), "folder": {"value"}, "hook": {"stop_training", "logs"}}


class Student:
    """The grader's handle on one student's code (see the module docstring).

    Args:
        channel: a `LocalChannel` or `StreamChannel`.
    """

    def __init__(self, channel):
        self.channel = channel

    @classmethod
    def local(cls, namespace):
        """A handle on `namespace` in this process (quick_check)."""
        return cls(LocalChannel(namespace))

    def request(self, message, model=None):
        """Send `message`; serve facade requests from `model`; return the decoded reply.

        Raises:
            StudentError: the student's code raised.
            GradingError: the request was refused (a missing name, a value over the limits).
        """
        nonce = secrets.token_hex(8)  # a reply written in advance cannot answer this request
        reply = self.channel.request(dict(message, id=nonce), lambda request: serve_model(model, request))
        if reply.pop("id", None) != nonce or not set(reply) <= _REPLIES[message["op"]] | {"error", "refused"}:
            raise ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
        if "error" in reply:
            raise StudentError(_text(reply["error"]))
        if "refused" in reply:
            raise GradingError(_text(reply["refused"]))
        try:
            return {key: wire.decode(value) if key in ("value", "logs") else value for key, value in reply.items()}
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

    def open_figures(self):
        """How many Matplotlib figures are open in the student's process."""
        value = self.request({"op": "figures"}).get("value")
        return value if type(value) is int else None

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
        self._student.request({"op": "model", "handle": self._handle}, model)

    def _forward(self, hook, args, logs):
        if hook not in self._hooks:
            return
        model = self._model if hasattr(self, "_model") else None
        message = {"op": "hook", "handle": self._handle, "hook": hook, "args": list(args),
                   "logs": None if logs is None else wire.encode(_numbers(logs)),
                   "stop_training": bool(getattr(model, "stop_training", False))}
        reply = self._student.request(message, model)
        if model is not None and type(reply.get("stop_training")) is bool:
            model.stop_training = reply["stop_training"]
        if isinstance(logs, dict) and isinstance(reply.get("logs"), dict):
            logs.clear()
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


def _numbers(logs):
    plain = {}
    for key, value in logs.items():
        try:
            plain[str(key)] = value if isinstance(value, (bool, int, float, str)) else float(np.asarray(value))
        except (TypeError, ValueError):
            continue
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
