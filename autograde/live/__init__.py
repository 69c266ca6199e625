"""Grading on submit for a class on JupyterHub, with scores back to the LMS over LTI 1.3 (see deploy/hub/README.md).

`service` (the queue), `inbox` (nbgrader's inbound folder as untrusted data), `engine` (the one
call into the grading engine), `state` (what survives a restart), `settings` (per assignment),
`web` (each student's status page), `passback` (LTI Assignment and Grade Services).
"""
