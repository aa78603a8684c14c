import { strict as assert } from 'node:assert';
import { panelFirstScreen } from '../../../src/app/dashboard/panelMarkup';

describe('the run panel\'s first screen, written into the page by the host', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ seq: i + 1, ts: Date.UTC(2026, 0, 1, 12, 0, i % 60), type: i % 2 ? 'agent.call.streamed' : 'run.started', summary: `row ${i + 1}` }));

  it('shows the run, its status, the count of rows out of the total and every first row', () => {
    const html = panelFirstScreen({ runId: 'run-1', objective: 'add paging', status: 'completed', total: 10_000, rows });
    assert.match(html, /<h2>add paging<\/h2><span class="status completed">completed<\/span>/);
    assert.match(html, /Events <span class="muted" id="event-count">\(100 of 10000, loading…\)<\/span>/);
    assert.equal(html.match(/role="listitem"/g)?.length, 100);
    assert.match(html, /<span class="seq">100<\/span>/);
    assert.equal(panelFirstScreen({ runId: 'run-1', objective: '', status: 'pending', total: 2, rows: rows.slice(0, 2) }).match(/\(2\)|<h2>run-1<\/h2>/g)?.length, 2);
  });

  it('escapes whatever a model wrote: no markup of its own reaches the page', () => {
    const hostile = '<img src=x onerror=alert(1)>"\'&<script>alert(2)</script>';
    const html = panelFirstScreen({ runId: 'run-1', objective: hostile, status: 'completed', total: 1, rows: [{ seq: 1, ts: 0, type: `x"><script>alert(3)</script>.y`, summary: hostile }] });
    assert.doesNotMatch(html, /<script|<img|onerror=alert\(1\)>/);
    assert.ok(!html.includes('"\''), 'quotes are escaped inside attributes');
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;&quot;&#39;&amp;&lt;script&gt;/);
  });
});
