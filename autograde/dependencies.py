"""What a grade depends on besides the submission: the files and installed versions in each cache key.

A cached result is reused only while none of these changed (see `Course.checks_fingerprint`):

- the engine (this `autograde` package) and the course's `autograde/` folder (registries, keys);
- the whole `callbacks_course` package, its data included (models, recorders, MNIST subset, checks);
- the assignment's `solutions/<assignment>/` folder (source notebooks and any file next to them);
- the folder of every module defining a check (`collect`, `expect`, `score`);
- the versions of Python and of the installed distributions grading runs on: `GRADING_DISTRIBUTIONS`
  and everything they require, found through `importlib.metadata`.

Files are hashed by their path from the folder's own name (`callbacks_course/models.py`) and
their bytes, so a course moved or copied elsewhere keeps its cache; byte-code caches (`__pycache__`, `*.pyc`) are left out.

Example:

```python
key = fingerprint_folders([ENGINE, package_folder()]) + installed_versions()
```
"""

import functools
import hashlib
import importlib.metadata
import pathlib
import platform

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ENGINE = pathlib.Path(__file__).resolve().parent
GRADING_DISTRIBUTIONS = ("tensorflow", "keras", "numpy", "matplotlib", "pillow", "imageio", "nbgrader",
                         "nbformat", "nbconvert", "nbclient")


def package_folder():
    """The folder of the `callbacks_course` package that grading imports."""
    import callbacks_course

    return pathlib.Path(callbacks_course.__file__).resolve().parent


def _files(folder):
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def fingerprint_folders(folders):
    """sha256 (hex) of every file under `folders`: its path from its folder's name, and its bytes.

    Args:
        folders: folders to cover; a missing one counts as empty, duplicates once.

    Example:

    ```python
    fingerprint_folders([ENGINE, package_folder()])
    ```
    """
    digest = hashlib.sha256()
    for folder in sorted({pathlib.Path(f).resolve() for f in folders}, key=lambda f: (f.name, str(f))):
        for path in _files(folder) if folder.is_dir() else []:
            name = f"{folder.name}/{path.relative_to(folder).as_posix()}".encode()
            data = path.read_bytes()
            digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _requirements(distribution):
    """Canonical names of the distributions `distribution` requires (no extras), markers evaluated."""
    names = set()
    for line in distribution.requires or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.add(canonicalize_name(requirement.name))
    return names


@functools.cache
def installed_versions(roots=GRADING_DISTRIBUTIONS):
    """"name==version" of the installed `roots` and all they require, sorted, and the Python version.

    Args:
        roots: distribution names to start from; those not installed are left out.

    Example:

    ```python
    installed_versions()   # ("Python==3.11.2", "absl-py==2.3.1", ..., "tensorflow==2.21.0", ...)
    ```
    """
    found, todo = {}, [canonicalize_name(name) for name in roots]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found[name] = distribution.version
        todo.extend(_requirements(distribution) - set(found))
    return (f"Python=={platform.python_version()}", *(f"{name}=={found[name]}" for name in sorted(found)))
