// The webview bundle's entry (browser). It talks to the host only through src/protocol.
import './boot';
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
const mark = (name: string) => performance.getEntriesByName(name)[0]?.startTime;
const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
send({ type: 'ready', view, loadedMs: performance.now(), workerMs: navigation?.workerStart || undefined, writtenMs: mark('cc-written'), scriptMs: mark('cc-script') });
document.body.dataset.codecompanion = 'ready';
