#!/usr/bin/env bash
# npm run demo: fold the bundled raw samples of a gunicorn/Django service
# (examples/demo.samp, in pysample's format), drop idle samples, and draw the
# flame graph into examples/demo.svg (paths shortened after site-packages/
# and the stdlib folder, so frames stay readable).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../bin"
out="$here/demo.svg"

node "$bin/pyfold" --short-paths "$here/demo.samp" | node "$bin/pyfilter" -x | node "$bin/pyflamegraph" > "$out"
echo "wrote $out (open it in a browser)"
