#!/usr/bin/env bash
# Kept for the old path (bench/README.md, bench/spine.py refer to it): records this suite with
# the shared script, tests/conformance/record.sh.
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../record.sh" nextjs_pages "$@"
