#!/usr/bin/env bash
# What `npm test` needs beyond npm's own packages, checked before anything runs: each missing
# Debian package is installed (as root, with apt-get), or the test run stops at once with the
# one command to run. One list for the developers' `npm test` and CI's .ci/run alike.
# --npm-packages: also check that `npm ci` ran (npm test passes it; .ci/run calls this before
# npm ci, whose native builds may need python3). ASYNC_CLIENT_TEST_NO_INSTALL=1: only say what
# is missing, never install.
set -euo pipefail
cd "$(dirname "$0")/.."

# rclone and apache2 (mod_dav): the real WebDAV servers of the adapter tests; openssl: their
# throwaway CA; systemd: systemd-analyze and systemd-notify for the service unit and notify
# tests; python3: the notify socket listener; postgresql: the throwaway cluster of the
# PostgreSQL adapter tests; chromium: the pages checked headless; sqlite3 and curl: benchmark
# baselines; util-linux and bsdutils (mount, script): the tmpfs and terminal cases.
missing=()
command -v rclone >/dev/null || missing+=(rclone)
command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ] || missing+=(apache2)
command -v openssl >/dev/null || missing+=(openssl)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v python3 >/dev/null || missing+=(python3)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v curl >/dev/null || missing+=(curl)
command -v mount >/dev/null || missing+=(util-linux)
command -v script >/dev/null || missing+=(bsdutils)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && [ "${ASYNC_CLIENT_TEST_NO_INSTALL:-}" != 1 ] && command -v apt-get >/dev/null; then
    echo "npm test: installing what the tests need: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "npm test: the tests need Debian packages that are not installed: ${missing[*]}" >&2
    echo "Install them, then run npm test again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if [ "${1:-}" = --npm-packages ] && { [ ! -x node_modules/.bin/jest ] || [ ! -x node_modules/.bin/biome ]; }; then
  echo "npm test: the npm packages are not installed. Run first:" >&2
  echo "  npm ci" >&2
  exit 1
fi
