#!/bin/sh
# Format check: every tracked C file matches .clang-format, and text files follow
# .editorconfig (no trailing blanks, final newline). Skips when clang-format is missing.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v clang-format >/dev/null || { echo "SKIP: clang-format not installed"; exit 77; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
[ -n "$files" ] || { echo "no C files found"; exit 1; }
bad=0
# One clang-format process for all files; its warnings name each file at fault.
# shellcheck disable=SC2086
if ! clang-format --dry-run -Werror $files >"${TMPDIR:-/tmp}/vbfmt.$$" 2>&1; then
    grep -o '^[^:]*\.[ch]' "${TMPDIR:-/tmp}/vbfmt.$$" | sort -u |
        sed 's/^/not formatted: /; s/$/ (run: make format)/'
    bad=1
fi
rm -f "${TMPDIR:-/tmp}/vbfmt.$$"
for f in $(git ls-files 2>/dev/null | grep -v -e '^tests/fixtures/' -e '^tests/fuzz/regressions/' -e '\.md$'); do
    [ -f "$f" ] || continue
    case "$(file -b --mime-encoding "$f")" in binary) continue ;; esac
    if grep -n '[[:blank:]]$' "$f" >/dev/null; then echo "trailing blanks: $f"; bad=1; fi
    if [ -s "$f" ] && [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
        echo "no final newline: $f"; bad=1
    fi
done
exit $bad
