#!/usr/bin/env bash
# Debian packages the full test suite needs: Chromium (end-to-end tests), fonts for Chinese, PDF tools.
# Installs only what is missing, only as root with apt-get; otherwise says what is missing and exits 0
# (the tests that need them then skip with a reason, or fail under ROLEFIT_REQUIRE_SERVICES=1).
set -uo pipefail
packages=(chromium libatomic1 fonts-liberation fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]} (install them as root with apt-get)" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
