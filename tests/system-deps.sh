#!/usr/bin/env bash
# Installs the Debian packages that the test suite drives for real, when missing:
# Chromium and its headless shell for the loader's browser tests, Varnish and its xkey vmod (varnish-modules) for
# the shell-caching and purge tests, Redis for the cache tests, nginx for the nginx recipe's test. Set CK_CHROMIUM to use another Chromium (e.g. Playwright's own) instead.
set -euo pipefail
need=()
if [ -z "${CK_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then need+=(chromium); fi
# The old headless mode, lighter: most browser tests run in it (harness/browsers.py).
if [ -z "${CK_CHROMIUM:-}" ] && ! command -v chromium-headless-shell >/dev/null; then
    need+=(chromium-headless-shell)
fi
command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ] || need+=(varnish)
# The reference VCL imports xkey (purging by tag).
ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 || need+=(varnish-modules)
command -v redis-server >/dev/null || need+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
