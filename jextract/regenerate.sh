#!/usr/bin/env bash
# Regenerates io.kvcourier.verbs.gen with a real jextract into a temporary directory, from the
# allow-lists in this folder, and diffs the result against the committed sources.
#
#   jextract/regenerate.sh [--keep DIR]
#
# With no `jextract` on PATH it says so and exits 0 (SKIPPED): the committed sources were written
# by jextract/stylegen.py in jextract's form, and LayoutCheckTest/AllowListTest check them against
# the C headers and these allow-lists on every build. Exit status: 0 = identical or skipped,
# 1 = differences (printed; see README.md for the differences expected by design), 2 = jextract failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
gen="$root/verbs-bindings/src/main/java/io/kvcourier/verbs/gen"
pkg=io.kvcourier.verbs.gen
keep=""
if [[ "${1:-}" == "--keep" ]]; then
  keep="${2:?--keep needs a directory}"
fi

if ! command -v jextract >/dev/null 2>&1; then
  echo "regenerate.sh: SKIPPED: no jextract on PATH (builds: https://jdk.java.net/jextract)."
  echo "  The committed bindings come from jextract/stylegen.py; LayoutCheckTest checks them against the headers."
  exit 0
fi

tmp=$(mktemp -d)
trap '[[ -n "$keep" ]] || rm -rf "$tmp"' EXIT
[[ -z "$keep" ]] || { mkdir -p "$keep"; tmp="$keep"; }

# argument files without our comment lines
grep -v '^#' "$here/verbs.includes" > "$tmp/verbs.args"
grep -v '^#' "$here/libc.includes" > "$tmp/libc.args"

echo "regenerate.sh: $(jextract --version 2>&1 | head -1)"
jextract @"$tmp/verbs.args" --target-package "$pkg" --header-class-name verbs_h \
  --library :libibverbs.so.1 --output "$tmp/out" /usr/include/infiniband/verbs.h || exit 2
jextract @"$tmp/libc.args" --target-package "$pkg" --header-class-name libc_h \
  --output "$tmp/out" "$here/libc.h" || exit 2

if diff -ru "$gen" "$tmp/out/${pkg//.//}" > "$tmp/gen.diff"; then
  echo "regenerate.sh: committed bindings are identical to jextract's output"
  exit 0
fi
echo "regenerate.sh: differences between committed bindings (-) and jextract's output (+):"
diff -rq "$gen" "$tmp/out/${pkg//.//}" || true
cat "$tmp/gen.diff"
exit 1
