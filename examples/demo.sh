#!/usr/bin/env bash
# npm run demo: profile a bundled Python program end to end and draw its flame
# graph into examples/demo.svg:
#
#   pysample -t python3 test/targets/app.py 3 | pyfold --short-paths | pyfilter -x | pyflamegraph
#
# app.py is a small request loop (JSON parsing and rendering, a regex search)
# with an idle housekeeping thread; PYTHON chooses the interpreter (default:
# python3 on PATH). Where pysample cannot run (not Linux, no ptrace permission,
# no Python), the bundled raw samples of a gunicorn/Django service
# (examples/demo.samp) are drawn instead. Paths are shortened after
# site-packages/ and the stdlib folder, so frames stay readable.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../bin"
app="$(cd "$here/../test/targets" && pwd)/app.py"
out="$here/demo.svg"
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT

python="${PYTHON:-$(command -v python3 || command -v python || true)}"
if [ -n "$python" ] && node "$bin/pysample" -q -r 0.005 -o "$raw" -t "$python" "$app" 3; then
  src="$raw"
  what="$app, sampled by pysample for 3 s"
else
  echo "demo: pysample could not run here; drawing the bundled samples instead" >&2
  src="$here/demo.samp"
  what="the bundled samples of a gunicorn/Django service"
fi

node "$bin/pyfold" --short-paths "$src" | node "$bin/pyfilter" -x | node "$bin/pyflamegraph" > "$out"
echo "wrote $out from $what (open it in a browser)"
