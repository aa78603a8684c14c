// Small SVG charts as strings of path data and bar geometry: pure, so they are tested in Node and
// drawn by the webview with theme colors from CSS.

export interface Point {
  readonly t: number;
  readonly usd: number;
}

export interface LineChart {
  readonly path: string;
  readonly maxX: number;
  readonly maxY: number;
  /** Where the budget line sits (y in the chart's coordinates), when there is a budget. */
  readonly budgetY: number | undefined;
}

/** A step line of cumulative cost over time in a w×h box (y grows downward). */
export function costLine(points: readonly Point[], w: number, h: number, budget: number | null): LineChart {
  const maxX = Math.max(1, ...points.map((p) => p.t));
  const maxY = Math.max(1e-6, budget ?? 0, ...points.map((p) => p.usd));
  const x = (t: number) => round((t / maxX) * w);
  const y = (v: number) => round(h - (v / maxY) * h);
  let d = `M0 ${h}`;
  let last = 0;
  for (const p of points) {
    d += ` L${x(p.t)} ${y(last)} L${x(p.t)} ${y(p.usd)}`;
    last = p.usd;
  }
  d += ` L${w} ${y(last)}`;
  return { path: d, maxX, maxY, budgetY: budget ? y(budget) : undefined };
}

export interface Bar {
  readonly label: string;
  readonly x: number;
  readonly inputWidth: number;
  readonly outputWidth: number;
  readonly total: number;
}

/** Horizontal stacked bars (input, output tokens) scaled to width w. */
export function tokenBars(rows: readonly { role: string; input: number; output: number }[], w: number): Bar[] {
  const max = Math.max(1, ...rows.map((r) => r.input + r.output));
  return rows.map((r) => ({ label: r.role, x: 0, inputWidth: round((r.input / max) * w), outputWidth: round((r.output / max) * w), total: r.input + r.output }));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
