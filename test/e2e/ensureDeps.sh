#!/usr/bin/env bash
# Makes sure the machine has what the e2e harness needs: Debian chromium (the client), ripgrep (instead of
# code-server's GitHub download) and krb5 headers (the kerberos addon builds from source), then code-server.
# Prints the code-server home. Env: CS_VERSION (4.100.3 runs on the machine's Node 20; a newer one, e.g. 4.117.0,
# on the Node major CS_NODE, 22 unless given, installed from the npm registry beside it), CC_E2E_CACHE.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CS_VERSION=${CS_VERSION:-4.100.3}
case $CS_VERSION in 4.100.*) CS_NODE=${CS_NODE:-} ;; *) CS_NODE=${CS_NODE:-22} ;; esac
CACHE=${CC_E2E_CACHE:-$HOME/.cache/codecompanion-e2e}
if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || [ ! -e /usr/include/gssapi/gssapi.h ]; then
  if [ "$(id -u)" != 0 ]; then echo "e2e needs chromium, ripgrep and libkrb5-dev: run as root or apt-get install them" >&2; exit 2; fi
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev ripgrep >/dev/null
fi
CSH=$CACHE/cs-$CS_VERSION
[ -f "$CSH/.installed-$CS_VERSION" ] || bash "$HERE/installCodeServer.sh" "$CSH" "$CS_VERSION" $CS_NODE >&2
echo "$CSH"
