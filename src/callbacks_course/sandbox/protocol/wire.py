"""What crosses the boundary between a student's confined process and the grader: plain, bounded data.

Every value the student's side sends (an attribute, a return value, the arguments of a model
request) is encoded here into JSON-able data and decoded on the grader's side with hard limits:
message size, nesting depth, string and container lengths, array sizes. Anything else (a
function, an arbitrary object) travels as its type name only, so no student object ever exists
in the grader's process.

Arrays travel as `{"__ndarray__": dtype, "shape": [...], "data": base64}` (numeric dtypes only);
paths as `{"__path__": "..."}`; Keras's built-in callbacks as `{"__callback__": class name,
"args": [...], "kwargs": {...}}` (the arguments they were created with); other objects as
`{"__object__": type name}`.

Example:

```python
data = encode({"durations": [0.01, 0.02], "frames": [np.zeros((2, 2))]})
value = decode(data)                 # frames come back as NumPy arrays
frame = pack(data); unpack(frame)    # the bytes of one message, and back
```
"""

import base64
import json
import math
import pathlib

import numpy as np

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.protocol import bounded_json

_DTYPES = frozenset("bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64".split())
_PRIMITIVES = (type(None), bool, int, float, str)


class WireError(ValueError):
    """A message or value outside the protocol's limits or schema."""


def _number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    return value


def encode(value, depth=0, describe=None):
    """`value` as JSON-able data (see the module docstring); raises WireError beyond the limits.

    Args:
        value: any value of the student's.
        depth: the nesting depth reached so far.
        describe: optional `describe(value, encode) -> data or None` for special objects (the
            student's side describes Keras's built-in callbacks with it).
    """
    inner = lambda item: encode(item, depth + 1, describe)  # noqa: E731
    if depth > limits.WIRE_DEPTH:
        raise WireError("the value is nested too deeply")
    if type(value) in (bool, type(None)):
        return value
    if type(value) is int:
        if abs(value) > 2**63:
            raise WireError("an integer is too large")
        return value
    if type(value) is float:
        return _number(value)
    if type(value) is str:
        if len(value) > limits.WIRE_STRING:
            raise WireError("a string is too long")
        return value
    if isinstance(value, np.generic) and value.dtype.name in _DTYPES:
        return encode(value.item(), depth, describe)
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if isinstance(value, pathlib.PurePath):
        return {"__path__": inner(str(value))}
    if type(value) in (list, tuple, set, frozenset):
        if len(value) > limits.WIRE_ITEMS:
            raise WireError("a container is too long")
        items = sorted(value, key=repr) if type(value) in (set, frozenset) else value
        encoded = [inner(item) for item in items]
        return encoded if type(value) is list else {"__" + type(value).__name__ + "__": encoded}
    if type(value) is dict:
        if len(value) > limits.WIRE_ITEMS:
            raise WireError("a dict is too long")
        if not all(type(key) is str for key in value):
            return {"__object__": "dict with non-string keys"}
        return {"__dict__": {key: inner(item) for key, item in value.items()}}
    described = describe(value, inner) if describe else None
    if described is not None:
        return described
    return {"__object__": type(value).__name__[:limits.TYPE_NAME_CHARS]}


def _encode_array(array):
    if array.dtype.name not in _DTYPES:
        return {"__object__": f"ndarray of {array.dtype.name[:20]}"}
    if array.size > limits.WIRE_ARRAY:
        raise WireError(f"an array is too large ({array.size} elements, at most {limits.WIRE_ARRAY})")
    data = np.ascontiguousarray(array)
    return {"__ndarray__": array.dtype.name, "shape": list(array.shape),
            "data": base64.b64encode(data.tobytes()).decode("ascii")}


def _decode_array(data):
    dtype, shape, raw = data.get("__ndarray__"), data.get("shape"), data.get("data")
    if dtype not in _DTYPES or not isinstance(shape, list) or not isinstance(raw, str) or len(shape) > 8:
        raise WireError("a malformed array")
    if not all(type(n) is int and 0 <= n <= limits.WIRE_ARRAY for n in shape) or math.prod(shape) > limits.WIRE_ARRAY:
        raise WireError("an array of a bad shape")
    try:
        buffer = base64.b64decode(raw.encode("ascii"), validate=True)
        return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()
    except (ValueError, TypeError) as error:
        raise WireError(f"a malformed array ({error})") from None


_TAGGED = {"__list__", "__tuple__", "__set__", "__frozenset__"}


def decode(data, depth=0):
    """The value `encode` made (sets, tuples, arrays, paths restored; objects stay descriptions)."""
    if depth > limits.WIRE_DEPTH:
        raise WireError("the value is nested too deeply")
    if isinstance(data, _PRIMITIVES):
        if isinstance(data, str) and len(data) > limits.WIRE_STRING:
            raise WireError("a string is too long")
        return data
    if isinstance(data, list):
        if len(data) > limits.WIRE_ITEMS:
            raise WireError("a container is too long")
        return [decode(item, depth + 1) for item in data]
    if not isinstance(data, dict) or len(data) > 4:
        raise WireError("a malformed value")
    if "__ndarray__" in data:
        return _decode_array(data)
    if len(data) != 1:
        if "__callback__" in data:
            return {key: decode(item, depth + 1) for key, item in data.items()}
        raise WireError("a malformed value")
    (tag, inner), = data.items()
    if tag == "__dict__" and isinstance(inner, dict):
        return {str(key)[:limits.WIRE_STRING]: decode(item, depth + 1) for key, item in inner.items()}
    if tag in _TAGGED and isinstance(inner, list):
        items = decode(inner, depth + 1)
        kind = {"__tuple__": tuple, "__set__": set, "__frozenset__": frozenset}.get(tag, list)
        try:
            return kind(items)
        except TypeError:  # unhashable items in a set
            raise WireError("a set of unhashable values") from None
    if tag == "__path__" and isinstance(inner, str):
        return pathlib.Path(inner)
    if tag == "__float__" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "__object__" and isinstance(inner, str):
        return StudentObject(inner[:limits.TYPE_NAME_CHARS])
    raise WireError("a malformed value")


class StudentObject:
    """Stands for a student value that is not plain data (only its type name crossed over).

    Args:
        type_name: the name of the value's type in the student's process.
    """

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name} object>"

    def __eq__(self, other):
        return isinstance(other, StudentObject) and other.type_name == self.type_name

    __hash__ = None


def pack(message):
    """One message (a dict of JSON-able data) as bytes: a 4-byte big-endian length, then JSON."""
    body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(body) > limits.MESSAGE_BYTES:
        raise WireError(f"a message of {len(body)} bytes is over the limit of {limits.MESSAGE_BYTES}")
    return len(body).to_bytes(4, "big") + body


def unpack(body):
    """The message in `body` (the bytes after the length); raises WireError for anything malformed.

    Read by `bounded_json` (size, then nesting, then parsing), no deeper than the decoder would
    ever walk: an encoded value nests at most `limits.WIRE_DEPTH` levels, each tag one more.
    """
    try:
        message = bounded_json.loads(body, max_bytes=limits.MESSAGE_BYTES, max_depth=2 * limits.WIRE_DEPTH + 8)
    except bounded_json.BoundedJSONError as error:
        raise WireError(f"an unreadable message ({error})") from None
    if not isinstance(message, dict):
        raise WireError("a message that is not a JSON object")
    return message
