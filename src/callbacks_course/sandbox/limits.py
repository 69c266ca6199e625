"""Every bound of the sandbox: what may cross it, and how much work the trusted side does for one student.

One table, read by the host side, the jail and the protocol alike, so that a limit the jail
enforces and the one the worker expects are the same number. Sizes of memory and disk are in
bytes unless the name says MB (MiB); texts are counted in characters.

Example:

```python
from callbacks_course.sandbox import limits

message = f"your code raised {error}"[:limits.MESSAGE_CHARS]
```
"""

# Texts a student reads (items.csv, the feedback): every message of an item, and the error texts it quotes.
MESSAGE_CHARS = 2000
CHECK_MESSAGE_CHARS = 4000  # a check's verdict (its ✓/✗ lines) on an item, scored in the main process
SETUP_ERROR_CHARS = 500  # the setup cell's error quoted in "the notebook's setup cell failed (...)"

# The protocol between an item's process in the jail and the worker (`protocol.wire`).
MESSAGE_BYTES = 32 * 2**20  # one framed message, either way
WIRE_DEPTH = 32  # nesting of one encoded value
WIRE_ITEMS = 100_000  # entries of one list, tuple, set or dict
WIRE_STRING = 100_000  # characters of one string
WIRE_ARRAY = 4_000_000  # elements of one array
TYPE_NAME_CHARS = 80  # the type name that stands for a value that is not plain data
LOG_STRING_CHARS = 200  # a string value of `logs` a hook gives back
MIRRORS = 4  # models of the worker's that one item's callbacks may be given (each mirrored in the jail)
# Folders the student's code makes in a run folder it is given (ex4's `make_callbacks(run_dir)`), which the
# worker recreates in its own run folder (`remote.Student.folders`); beyond them the item gets a message.
RUN_FOLDERS = 64  # folders below the run folder
RUN_FOLDER_DEPTH = 8  # parts of one folder's path below the run folder
RUN_FOLDER_CHARS = 1000  # characters of that path

# Between the worker and the main process.
OBSERVED_BYTES = 8 * 2**20  # an item's observations (JSON): a submission's reply stays bounded
REPLY_BYTES = 256 * 2**20  # one reply line of a worker (a submission's items)

# JSON the trusted side reads from files (`protocol.bounded_json`).
JSON_BYTES = 16 * 2**20
JSON_DEPTH = 100
NOTEBOOK_BYTES = 5 * 2**20  # a submitted notebook; the course's are < 100 KB without outputs

# The worker's own work for one item (`host.bounds`): besides the item's deadline (`Item.timeout`).
ITEM_QUOTA_MB = 64  # files the item's checks write (an honest lab item writes under 3 MB)
ITEM_ENTRIES = 5_000  # files and folders below the item's folder
ITEM_DEPTH = 32  # folders nested below it

# The jail and one item's processes in it (`host.jail`, `host.cgroups`, `inside.zygote`).
JAIL_TMPFS_MB = 256  # the jail's only writable place
JAIL_START_SECONDS = 300  # the zygote's start (it imports TensorFlow) and a fork's first word
JAIL_CLEAN_SECONDS = 60  # the zygote's cleaning after an item; beyond it the zygote is restarted
ITEM_PIDS = 256  # processes and threads of one item together (its pids cgroup)
FILE_BYTES = 64 * 2**20  # one file the item's process writes (RLIMIT_FSIZE)
OPEN_FILES = 256  # descriptors of the item's process (RLIMIT_NOFILE)

# The main process's own watch on a worker (`host.worker.WorkerPool`): a task not answered within its
# items' deadlines plus this, per item, is the worker's hang (a C call no signal interrupts): it is killed.
WORKER_OVERRUN_SECONDS = JAIL_START_SECONDS + JAIL_CLEAN_SECONDS  # room for a zygote restarted in the item
