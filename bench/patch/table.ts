// Tallies outcomes per (format, damage, applier) and prints them as a table.
import type { Outcome } from './appliers';
import { DAMAGE_KINDS, type Case, type Format } from './damage';

export type Tally = Record<Outcome, number>;

export class Results {
  private readonly cells = new Map<string, Tally>();

  add(format: Format, damage: string, applier: string, outcome: Outcome): void {
    const key = `${format}|${damage}|${applier}`;
    const t = this.cells.get(key) ?? { correct: 0, refused: 0, wrong: 0 };
    t[outcome]++;
    this.cells.set(key, t);
  }

  get(format: Format | '*', damage: string | '*', applier: string): Tally {
    const sum: Tally = { correct: 0, refused: 0, wrong: 0 };
    for (const [key, t] of this.cells) {
      const [f, d, a] = key.split('|');
      if ((format === '*' || f === format) && (damage === '*' || d === damage) && a === applier) {
        sum.correct += t.correct;
        sum.refused += t.refused;
        sum.wrong += t.wrong;
      }
    }
    return sum;
  }
}

const total = (t: Tally) => t.correct + t.refused + t.wrong;
const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);

export function cell(t: Tally): string {
  const n = total(t);
  return n === 0 ? 'n/a' : `${t.correct}/${t.refused}/${t.wrong}`;
}

export function summary(t: Tally): string {
  const n = total(t);
  return `${pct(t.correct, n)} correct, ${pct(t.refused, n)} refused, ${t.wrong} wrong of ${n}`;
}

export function renderTable(results: Results, cases: readonly Case[], appliers: readonly string[]): string {
  const header = ['format', 'damage', 'cases', ...appliers];
  const rows: string[][] = [];
  for (const format of ['diff', 'search-replace'] as const) {
    for (const damage of DAMAGE_KINDS) {
      const n = cases.filter((c) => c.format === format && c.damage === damage).length;
      if (n === 0) continue;
      rows.push([format, damage, String(n), ...appliers.map((a) => cell(results.get(format, damage, a)))]);
    }
    const all = cases.filter((c) => c.format === format).length;
    rows.push([format, 'all kinds: % correct', String(all), ...appliers.map((a) => (total(results.get(format, '*', a)) === 0 ? 'n/a' : pct(results.get(format, '*', a).correct, all)))]);
    rows.push([format, 'all kinds: wrong files', String(all), ...appliers.map((a) => (total(results.get(format, '*', a)) === 0 ? 'n/a' : String(results.get(format, '*', a).wrong)))]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => '  | ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '  |' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n') + '\n';
}
