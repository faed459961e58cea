#!/usr/bin/env bash
# Re-vendor the front-end assets from the npm registry (run by hand when upgrading; the results are committed).
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=2.0.11
PICO=2.1.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$HTMX" "@picocss/pico@$PICO" >/dev/null)
mkdir -p app/static/vendor/htmx app/static/vendor/pico
tar -xzf "$tmp/htmx.org-$HTMX.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/htmx"
cp "$tmp/htmx/dist/htmx.min.js" app/static/vendor/htmx/htmx.min.js
cp "$tmp/htmx/LICENSE" app/static/vendor/htmx/LICENSE
tar -xzf "$tmp/picocss-pico-$PICO.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/pico"
cp "$tmp/pico/css/pico.min.css" app/static/vendor/pico/pico.min.css
cp "$tmp/pico/LICENSE.md" app/static/vendor/pico/LICENSE.md
printf 'htmx.org %s (npm), dist/htmx.min.js, BSD Zero Clause licence\n@picocss/pico %s (npm), css/pico.min.css, MIT licence\n' "$HTMX" "$PICO" > app/static/vendor/VERSIONS
echo "vendored htmx $HTMX and pico $PICO"
