// Tallies outcomes per (format, damage, applier) and prints them as a table.
import type { Outcome } from './appliers';
import { DAMAGE_KINDS, POLICY_KINDS, type Case, type DamageKind, type Format } from './damage';

/** The kinds whose right answer is a fact about the patch (the byte-identical new version). */
export const FACT_KINDS: readonly DamageKind[] = DAMAGE_KINDS.filter((k) => !POLICY_KINDS.includes(k));

export type Tally = Record<Outcome, number>;

export class Results {
  private readonly cells = new Map<string, Tally>();

  add(format: Format, damage: string, applier: string, outcome: Outcome): void {
    const key = `${format}|${damage}|${applier}`;
    const t = this.cells.get(key) ?? { correct: 0, refused: 0, wrong: 0 };
    t[outcome]++;
    this.cells.set(key, t);
  }

  get(format: Format | '*', damage: string | '*' | readonly string[], applier: string): Tally {
    const sum: Tally = { correct: 0, refused: 0, wrong: 0 };
    for (const [key, t] of this.cells) {
      const [f, d, a] = key.split('|');
      const kind = damage === '*' || (typeof damage === 'string' ? d === damage : damage.includes(d!));
      if ((format === '*' || f === format) && kind && a === applier) {
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
  const count = (format: Format, kinds: readonly string[]) => cases.filter((c) => c.format === format && kinds.includes(c.damage)).length;
  for (const format of ['diff', 'search-replace'] as const) {
    const kindRow = (damage: DamageKind, label: string) => {
      const n = count(format, [damage]);
      if (n > 0) rows.push([format, label, String(n), ...appliers.map((a) => cell(results.get(format, damage, a)))]);
    };
    for (const damage of FACT_KINDS) kindRow(damage, damage);
    const facts = count(format, FACT_KINDS);
    const ran = (a: string) => total(results.get(format, FACT_KINDS, a)) > 0;
    rows.push([format, 'all but policy kinds: % correct', String(facts), ...appliers.map((a) => (ran(a) ? pct(results.get(format, FACT_KINDS, a).correct, facts) : 'n/a'))]);
    rows.push([format, 'all but policy kinds: wrong files', String(facts), ...appliers.map((a) => (ran(a) ? String(results.get(format, FACT_KINDS, a).wrong) : 'n/a'))]);
    for (const damage of POLICY_KINDS) kindRow(damage, `${damage} (policy)`);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => '  | ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  const note =
    '  cells: correct/refused/wrong. The damage kinds mirror the tolerances this engine was built with, so the engine is expected to lead them.\n' +
    "  (policy) rows encode this project's rules, not facts: a near line hint picks one of two copies (as git apply and GNU patch do); a hint\n" +
    "  that separates nothing must be refused. They are kept out of the totals.\n";
  return [line(header), '  |' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n') + '\n' + note;
}
