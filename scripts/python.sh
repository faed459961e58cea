#!/usr/bin/env bash
# Prints the Python the virtualenv is made from (the Makefile's PYTHON; `make PYTHON=...` overrides it).
# Debian's own /usr/bin/python3 first when it is 3.11+ and can make a virtualenv: Debian builds it with
# profile-guided and link-time optimisation, like the python:3.11-slim image the Dockerfile ships on. A
# Python compiled without them (pyenv's default build, this machine's python3 on PATH) loads and runs the
# app about a quarter slower (bench/RESULTS.md, "Session 8 (start-up)"). Otherwise python3 on PATH.
set -uo pipefail
for py in /usr/bin/python3 python3; do
  command -v "$py" >/dev/null 2>&1 || continue
  if "$py" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    echo "$py"
    exit 0
  fi
done
echo python3
