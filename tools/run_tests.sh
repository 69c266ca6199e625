#!/usr/bin/env bash
# Run the whole suite offline, on every core (at most 4 pytest-xdist workers, or TEST_WORKERS; 0: none), each
# test file or shared service (an xdist group, tests/conftest.py) on one worker. pytest's exit code 5
# ("no tests ran") is a failure here.
set -uo pipefail
cd "$(dirname "$0")/.."
export CALLBACKS_COURSE_OFFLINE=1 TF_CPP_MIN_LOG_LEVEL=3
cores=$(nproc)
workers=${TEST_WORKERS:-$((cores < 4 ? cores : 4))}
.venv/bin/python -m pytest -n "$workers" --dist loadgroup --durations=25 "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "run_tests: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
