// The webview bundle's entry (browser). It talks to the host only through src/protocol.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import { dashboardMessage, renderDashboard } from './dashboard';
import { onHostMessage, send } from './host';
import { RunPanelView } from './panel';

const app = document.getElementById('app')!;
const view = document.body.dataset.view === 'panel' ? 'panel' : 'dashboard';

if (view === 'panel') {
  const panel = new RunPanelView(app);
  onHostMessage((m) => panel.handle(m));
} else {
  app.textContent = 'Loading…';
  onHostMessage((m) => {
    if (m.type === 'dashboard/state') renderDashboard(app, m.state);
    else dashboardMessage(m);
  });
}
// the host holds its messages until this arrives, and sends the whole state again on each ready
send({ type: 'ready', view, loadedMs: performance.now() });
document.body.dataset.codecompanion = 'ready';
