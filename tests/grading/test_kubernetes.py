"""deploy/kubernetes: the grading Job gives bubblewrap what it needs in a pod (no cluster here: the YAML only)."""

import yaml

from support.grading import ROOT

JOB = ROOT / "deploy" / "kubernetes" / "grade-shards.yaml"


def test_the_grading_pods_can_make_the_namespaces_bubblewrap_needs():
    job = yaml.safe_load(JOB.read_text())
    pod = job["spec"]["template"]["spec"]
    assert pod["hostUsers"] is False  # a user namespace of its own: SYS_ADMIN is the pod's, not the node's
    shard, = pod["containers"]
    assert shard["securityContext"] == {"capabilities": {"add": ["SYS_ADMIN"]}, "seccompProfile": {"type": "Unconfined"},
                                        "appArmorProfile": {"type": "Unconfined"}, "procMount": "Unmasked"}
    assert "privileged" not in shard["securityContext"]


def test_the_job_says_explicitly_that_items_are_contained_by_the_pod_only():
    job = yaml.safe_load(JOB.read_text())
    shard, = job["spec"]["template"]["spec"]["containers"]
    command = " ".join(shard["command"] + shard["args"])
    assert "grade /class/submissions --shard" in command and command.endswith("--allow-uncontained")
    assert shard["resources"]["limits"]["memory"] == shard["resources"]["requests"]["memory"]
    assert "podPidsLimit" in JOB.read_text()
