#!/usr/bin/env bash
# Installs code-server (which bundles a real VS Code) from the npm registry into <dest>, with no other download:
# its postinstall fetches ripgrep from GitHub and refuses root, so we install with scripts off and redo the
# postinstall by hand with Debian's ripgrep. Usage: installCodeServer.sh <dest-dir> <code-server-version>
set -euo pipefail
DEST=$1; CSV=$2
export npm_config_yes=true npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
mkdir -p "$DEST"; cd "$DEST"
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
