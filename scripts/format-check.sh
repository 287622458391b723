#!/bin/sh
# SPDX-License-Identifier: MIT
# format-check.sh: fail when a tracked C file differs from clang-format's output.
set -eu
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format "$f" | cmp -s - "$f"; then
		echo "format-check: $f: not clang-formatted (run 'make format')" >&2
		bad=1
	fi
done
exit $bad
