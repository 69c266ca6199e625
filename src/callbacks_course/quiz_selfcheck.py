"""Instant feedback on quiz answers in the student's notebook, from an obfuscated answer key.

The key and its explanations travel in the quiz notebook's setup cell as a blob (JSON, zlib,
XOR with a SHA-256 key stream, base64), so they are not readable in plain text; the cell is
stored collapsed (`source_hidden`), so the student sees no blob. The course package does not
hold the key: an exam release, whose setup cell has no blob, leaves no key anywhere. `SelfCheck(blob)` tells
whether an answer is right and how many of the chosen options are wrong; once the answer is
right, or after `TRIES` wrong tries, it explains every option. `SelfCheck()` without a blob
(the exam release) only confirms that an answer is well formed. In a student's own variant of the
quiz (`callbacks_course.quiz_variant`), `use_variant` gives the order of the options in their
copy: answers are read, and options explained, under the letters the student sees.

Example:

```python
check = SelfCheck(encode({"q01": {"answer": ["A"], "why": {"A": "...", "B": "...", ...}}}))
check("q01", {"B"})  # prints: Not yet: 1 of your 1 choice is wrong. ...
```
"""

import base64
import hashlib
import json
import zlib

from callbacks_course.quiz import OPTIONS, normalize_answer
from callbacks_course.quiz_variant import relabel

TRIES = 3
_PEPPER = b"callbacks-course/quiz-selfcheck/v1"
_NONCE_BYTES = 16


def _keystream(nonce, length):
    blocks, counter = [], 0
    while sum(map(len, blocks)) < length:
        blocks.append(hashlib.sha256(_PEPPER + nonce + counter.to_bytes(8, "big")).digest())
        counter += 1
    return b"".join(blocks)[:length]


def _xor(data, stream):
    return bytes(a ^ b for a, b in zip(data, stream))


def encode(key):
    """Turn an answer key into a blob for `SelfCheck`.

    Args:
        key: `{question: {"answer": [letters], "why": {letter: explanation}}}`.

    Returns:
        An ASCII string; the same key always gives the same blob.
    """
    packed = zlib.compress(json.dumps(key, sort_keys=True).encode("utf-8"), 9)
    nonce = hashlib.sha256(_PEPPER + packed).digest()[:_NONCE_BYTES]
    return base64.b64encode(nonce + _xor(packed, _keystream(nonce, len(packed)))).decode("ascii")


def decode(blob):
    """Recover the key that `encode` packed into `blob`; raises ValueError when it is damaged."""
    try:
        raw = base64.b64decode(blob.encode("ascii"), validate=True)
        nonce, body = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        return json.loads(zlib.decompress(_xor(body, _keystream(nonce, len(body)))))
    except (ValueError, UnicodeError, zlib.error) as error:
        raise ValueError("the self-check data is damaged; download the quiz again") from error


class SelfCheck:
    """Feedback on quiz answers; call it as `check("q07", q07)`.

    Args:
        blob: the obfuscated key made by `encode`, or None for the exam (no feedback).

    Example:

    ```python
    check = SelfCheck(blob)
    check("q07", {"A", "B"})      # prints the verdict
    check.feedback("q07", "A")    # the same verdict as a string
    ```
    """

    def __init__(self, blob=None):
        self._key = None if blob is None else decode(blob)
        self._tries = {}
        self._orders = {}

    def use_variant(self, orders):
        """Read answers in a variant: `orders[question]` lists the original letters as shown, e.g. "CADB"."""
        self._orders = dict(orders)

    def _order(self, question):
        return self._orders.get(question, OPTIONS)

    def __call__(self, question, answer):
        print(self.feedback(question, answer))

    def feedback(self, question, answer):
        """The verdict on `answer` to `question` as text; counts the try when the answer is wrong."""
        try:
            chosen = normalize_answer(answer)
        except ValueError as error:
            return f"Cannot read your answer: {error}"
        if not chosen:
            return f'No answer yet: assign your letters to {question}, e.g. {question} = {{"A", "C"}}.'
        shown = "{" + ", ".join(f'"{letter}"' for letter in sorted(chosen)) + "}"
        if self._key is None:
            return f"Answer recorded: {question} = {shown}. There is no feedback during the exam."
        if question not in self._key:
            raise KeyError(f"no question {question!r} in this quiz")
        entry, order = self._key[question], self._order(question)
        key = frozenset(OPTIONS[order.index(letter)] for letter in entry["answer"])  # as the student sees it
        if chosen == key:
            return "\n".join(["Right! Why, option by option:", *self._explain(entry, order)])
        tries = self._tries[question] = self._tries.get(question, 0) + 1
        wrong = len(chosen - key)
        noun = "choice" if len(chosen) == 1 else "choices"
        if wrong:
            lines = [f"Not yet: {wrong} of your {len(chosen)} {noun} {'is' if wrong == 1 else 'are'} wrong."]
        else:
            lines = [f"Not yet: none of your {len(chosen)} {noun} is wrong, but a right option is missing."]
        if tries >= TRIES:
            lines += [f"After {tries} tries, here is why, option by option:", *self._explain(entry, order)]
        else:
            left = TRIES - tries
            lines.append(f"Try again: the explanations appear when you are right or after {left} more "
                         f"{'try' if left == 1 else 'tries'}.")
        return "\n".join(lines)

    @staticmethod
    def _explain(entry, order):
        right = set(entry["answer"])
        return [f"  {shown} {'✓' if letter in right else '✗'} {relabel(entry['why'][letter], order)}"
                for shown, letter in zip(OPTIONS, order)]
