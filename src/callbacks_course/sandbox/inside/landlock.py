"""Linux Landlock and capability calls through ctypes: confine a sandboxed child's filesystem.

Landlock (Linux 5.13+) lets an unprivileged process restrict itself: after `restrict`, the
process and its children can only read the paths granted read access and only write below the
paths granted write access; signals and abstract sockets to processes outside the sandbox are
refused (ABI 6+), and so are TCP bind/connect (ABI 4+). Root is restricted too.

Example:

```python
if landlock.abi() >= 1:
    landlock.restrict(read=["/usr", sys.prefix], write=[sandbox_dir])
```
"""

import ctypes
import os
import platform

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(platform.machine())
_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP = 38, 24
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ABI1_ALL = (1 << 13) - 1
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = _EXECUTE | _READ_FILE | _READ_DIR


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi():
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    version = _libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                            ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(0, int(version))


def _fs_access(version):
    access = _ABI1_ALL
    if version >= 2:
        access |= _REFER
    if version >= 3:
        access |= _TRUNCATE
    if version >= 5:
        access |= _IOCTL_DEV
    return access


def _check(result, what):
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _add_rule(ruleset, fd, access, path):
    """Grant `access` beneath the open `fd` (of `path`, for the error message) in `ruleset`."""
    rule = _PathBeneathAttr(allowed_access=access, parent_fd=fd)
    _check(_libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                         ctypes.byref(rule), ctypes.c_uint32(0)), f"landlock_add_rule {path}")


def _restrict_self(ruleset):
    """Put `ruleset` on this process for good (and on its future children)."""
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _check(_libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)), "landlock_restrict_self")


def restrict(read, write, devices=("/dev",)):
    """Confine this process for good: read-only `read`, read-write `write`, no network.

    Args:
        read: paths (files or folders) the process may read and execute below.
        write: folders the process may read, write, create and delete below.
        devices: folders whose existing files may be read and written (e.g. `/dev/null`).

    Raises:
        OSError: when the kernel refuses (Landlock unavailable or disabled).
    """
    version = abi()
    if version < 1:
        raise OSError("Landlock is not available on this kernel")
    handled = _fs_access(version)
    attr = _RulesetAttr(handled_access_fs=handled)
    size = 8
    if version >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
        size = 16
    if version >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
    ruleset = _check(_libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                                   ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        grants = [(p, READ) for p in read]
        grants += [(p, READ | _WRITE_FILE | (_IOCTL_DEV if version >= 5 else 0)) for p in devices]
        grants += [(p, handled) for p in write]
        for path, access in grants:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= _EXECUTE | _READ_FILE | _WRITE_FILE | _TRUNCATE | _IOCTL_DEV
                _add_rule(ruleset, fd, access & handled, path)
            finally:
                os.close(fd)
        _restrict_self(ruleset)
    finally:
        os.close(ruleset)


def hide(paths):
    """Make `paths` (files or folders) unreadable for good, everything else as readable as before.

    A further Landlock layer that handles reading files only: it grants reading below every
    entry of the folders on the way to `paths` except those on the way, so the hidden files
    cannot be opened by any path, by this process or its children (reloading a module, a fresh
    interpreter, `open`, `/proc/self/root/...`). Symbolic links are left out of the rules: a path
    through one is judged where it leads. Stacks on an earlier `restrict`.

    Args:
        paths: the files or folders to hide (missing ones are skipped).

    Raises:
        OSError: when the kernel refuses (Landlock unavailable or disabled).

    Example:

    ```python
    landlock.hide([keras.src.callbacks.early_stopping.__file__])
    open(keras.src.callbacks.early_stopping.__file__)   # PermissionError
    ```
    """
    if abi() < 1:
        raise OSError("Landlock is not available on this kernel")
    hidden = {os.path.realpath(path) for path in paths if os.path.lexists(path)}
    on_the_way = set()
    for path in hidden:
        while path != os.path.dirname(path):
            path = os.path.dirname(path)
            on_the_way.add(path)
    blocked = hidden | on_the_way
    grants = [os.path.join(folder, name) for folder in sorted(on_the_way - hidden) for name in os.listdir(folder)]
    attr = _RulesetAttr(handled_access_fs=_READ_FILE)
    ruleset = _check(_libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(8),
                                   ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        for path in grants:
            if path in blocked or os.path.islink(path):
                continue
            try:
                fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                _add_rule(ruleset, fd, _READ_FILE, path)
            finally:
                os.close(fd)
        _restrict_self(ruleset)
    finally:
        os.close(ruleset)


def become_subreaper():
    """Make this process adopt its orphaned descendants (prctl PR_SET_CHILD_SUBREAPER)."""
    _check(_libc.prctl(36, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")


def drop_capabilities():
    """Drop every Linux capability of this process (a root process keeps uid 0 but no powers).

    Returns:
        True when dropped, False on an architecture whose capset number is unknown.
    """
    if _SYS_CAPSET is None:
        return False
    for cap in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.syscall(_SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")
    return True
