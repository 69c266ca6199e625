"""A private one-node Slurm cluster on this machine, for tests: munged, slurmctld and slurmd.

Debian's `slurm-wlm` and `munge` packages (`.ci/run` installs them). Everything lives in one
temporary folder: its own munge key and socket, `slurm.conf`, state, spool, logs and pid files,
and two free localhost ports, so nothing clashes with a system Slurm or another test. Runs as
root (the only way slurmd can start jobs as the submitting user), with `proctrack/linuxproc` and
`task/none` (no cgroups needed).

Example:

```python
with SlurmCluster(tmp_path / "slurm") as cluster:   # SlurmUnavailable says why it cannot start
    job = cluster.sbatch("--array=0-2", "job.sh")
    cluster.wait([job])
```
"""

import ctypes
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "scontrol", "sinfo", "scancel")
SBIN = pathlib.Path("/usr/sbin")

CONFIG = """\
ClusterName=autograde-test
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
SlurmdParameters=config_overrides
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


class SlurmUnavailable(Exception):
    """Slurm cannot run here; the message says exactly why."""


def _die_with_parent():
    """In the daemon's child before exec: SIGTERM it when the test process dies, even if killed."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SlurmCluster:
    """A one-node Slurm cluster in folder `root`, started on `__enter__`, stopped on `__exit__`.

    Args:
        root: an empty folder for its configuration, state and logs.
        cpus: CPUs the node offers (default: this machine's; more over-subscribes it: slurmd takes the
            configured count, `SlurmdParameters=config_overrides`, instead of draining the node).
    """

    def __init__(self, root, cpus=None):
        self.root = pathlib.Path(root)
        self.cpus = cpus or os.cpu_count()
        self.env = dict(os.environ, SLURM_CONF=str(self.root / "slurm.conf"))
        self._daemons = []

    def __enter__(self):
        missing = [d for d in DAEMONS if not (SBIN / d).exists()] + [c for c in CLIENTS if not shutil.which(c)]
        if missing:
            raise SlurmUnavailable(f"not installed: {', '.join(missing)} (apt-get install slurm-wlm munge)")
        if os.geteuid() != 0:
            raise SlurmUnavailable("slurmd must run as root to start jobs, and this test runs as "
                                   f"uid {os.geteuid()}")
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self):
        root = self.root
        for folder in ("state", "spool", "munge"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        os.chmod(root / "munge", 0o700)
        key = root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        munge_socket = root / "munge" / "munge.socket"
        self._daemon([str(SBIN / "munged"), "--foreground", "--force", f"--socket={munge_socket}",
                      f"--key-file={key}", f"--log-file={root / 'munged.log'}",
                      f"--pid-file={root / 'munged.pid'}", f"--seed-file={root / 'munge' / 'seed'}"],
                     "munged", lambda: munge_socket.exists())
        host = socket.gethostname().split(".")[0]
        (root / "slurm.conf").write_text(CONFIG.format(
            host=host, root=root, munge_socket=munge_socket, cpus=self.cpus,
            memory_mb=os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20 - 1024,
            ctld_port=_free_port(), slurmd_port=_free_port()))
        self._daemon([str(SBIN / "slurmctld"), "-D", "-i", "-f", str(root / "slurm.conf")], "slurmctld",
                     lambda: self._run("sinfo", check=False).returncode == 0)
        self._daemon([str(SBIN / "slurmd"), "-D", "-f", str(root / "slurm.conf"), "-N", host], "slurmd",
                     lambda: "idle" in self._run("sinfo", "-h", "-o", "%T", check=False).stdout)

    def _daemon(self, command, name, ready, timeout=60):
        log = open(self.root / f"{name}.out", "wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                   start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        self._daemons.append(process)
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {process.returncode}" if process.poll() is not None else "not ready in time"
                raise SlurmUnavailable(f"{name} {state}: {self._tail(name)}")
            time.sleep(0.3)

    def _tail(self, name):
        texts = []
        for path in (self.root / f"{name}.out", self.root / f"{name}.log"):
            if path.exists():
                texts += path.read_text(errors="replace").strip().splitlines()[-5:]
        return " | ".join(texts) or "no output"

    def _run(self, *command, check=True):
        done = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=60)
        if check and done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
        return done

    def sbatch(self, *arguments):
        """Submit a batch job (`sbatch --parsable ARGUMENTS`); return its job id."""
        return self._run("sbatch", "--parsable", *arguments).stdout.strip().split(";")[0]

    def states(self, job):
        """{job or array task id: state} of a job, from `scontrol show job` (kept MinJobAge seconds)."""
        done = self._run("scontrol", "-o", "show", "job", job)
        states = {}
        for line in done.stdout.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            task = fields.get("ArrayTaskId")
            states[f"{fields['JobId'] if not task else fields['ArrayJobId'] + '_' + task}"] = fields["JobState"]
        return states

    def wait(self, jobs, timeout=600):
        """Wait until no job of `jobs` is pending or running; return {id: final state}."""
        deadline = time.monotonic() + timeout
        while True:
            states = {k: v for job in jobs for k, v in self.states(job).items()}
            if not any(s in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING") for s in states.values()):
                return states
            if time.monotonic() > deadline:
                raise TimeoutError(f"Slurm jobs still running after {timeout} s: {states}")
            time.sleep(1)

    def __exit__(self, *exc):
        if len(self._daemons) == len(DAEMONS):  # no job of this private cluster outlives it
            self._run("scancel", "--user", "root", check=False)
        for process in reversed(self._daemons):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._daemons = []
