// How long the engine takes to apply one patch touching 50 files: in memory (parse, locate, edit)
// and through applyPatch (plus path checks, reads and atomic writes), p50 of runs after warm-up; and
// every damaged case in memory, beside jsdiff.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPatch } from '../../src/core/patch/applyPatch';
import { parsePatchText } from '../../src/core/patch/parsePatch';
import { planPatch } from '../../src/core/patch/planPatch';
import { decodeFile } from '../../src/core/patch/fileText';
import { percentile } from '../harness';
import { jsdiff } from './appliers';
import { DAMAGE_KINDS, type Case, type CleanPatch } from './damage';
import { renderDiff, renderSearchReplace } from './hunks';

export interface Timing {
  readonly files: number;
  readonly hunks: number;
  /** Parse + plan over the files' bytes already in memory. */
  readonly planP50Ms: number;
  /** applyPatch on disk: checks, reads, plan, writes. */
  readonly p50Ms: number;
  readonly maxMs: number;
}

export async function timeMultiFilePatch(patches: readonly CleanPatch[], format: 'diff' | 'search-replace', dir: string, runs = 25): Promise<Timing> {
  const chosen = patches.filter((p) => format === 'diff' || p.blocks).slice(0, 50);
  const where = (p: CleanPatch) => `${p.change.release.replace(/[@→]/g, '_')}/${p.change.path}`;
  const text = chosen
    .map((p) => (format === 'diff' ? renderDiff(where(p), p.hunks) : renderSearchReplace(where(p), p.blocks!)))
    .join(format === 'diff' ? '' : '\n');
  const root = path.join(dir, `multi-${format}`);
  const reset = () => {
    fs.rmSync(root, { recursive: true, force: true });
    for (const p of chosen) {
      fs.mkdirSync(path.dirname(path.join(root, where(p))), { recursive: true });
      fs.writeFileSync(path.join(root, where(p)), p.change.oldText);
    }
  };
  const bytes = new Map(chosen.map((p) => [where(p), Buffer.from(p.change.oldText)]));
  const planTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const plan = planPatch(parsePatchText(text), (p) => decodeFile(bytes.get(p)!));
    planTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (!plan.ok) throw new Error(`the ${chosen.length}-file ${format} patch did not plan`);
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    reset();
    const t = process.hrtime.bigint();
    const report = await applyPatch(parsePatchText(text), { root });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (!report.ok) throw new Error(`the ${chosen.length}-file ${format} patch did not apply: ${report.edits.find((e) => e.status === 'refused')?.reason}`);
    for (const p of chosen) if (fs.readFileSync(path.join(root, where(p)), 'utf8') !== p.change.newText) throw new Error(`the ${format} patch left ${where(p)} wrong`);
  }
  return { files: chosen.length, hunks: chosen.reduce((n, p) => n + p.hunks.length, 0), planP50Ms: percentile(planTimes.slice(3), 50), p50Ms: percentile(times.slice(3), 50), maxMs: Math.max(...times.slice(3)) };
}

export interface DamagedTiming {
  readonly format: Case['format'];
  readonly damage: string;
  readonly cases: number;
  readonly engine: { readonly p50: number; readonly p99: number; readonly max: number };
  /** jsdiff's applyPatch on the same diff cases, in the same process; absent for SEARCH/REPLACE. */
  readonly jsdiff?: { readonly p50: number; readonly p99: number; readonly max: number };
}

/**
 * Every damaged case applied in memory (parse, locate, edit; no disk), by the engine and by jsdiff,
 * after one untimed pass: how long the tolerant paths (fuzz, re-indent, hint search) take, per kind.
 */
export function timeDamaged(cases: readonly Case[]): DamagedTiming[] {
  const fit = jsdiff(false);
  const engineOnce = (c: Case) => {
    const t = process.hrtime.bigint();
    try {
      planPatch(parsePatchText(c.patch), () => decodeFile(Buffer.from(c.before)));
    } catch {
      // a patch the parser refuses is timed too: refusing is part of the work
    }
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const jsdiffOnce = (c: Case) => {
    const t = process.hrtime.bigint();
    fit(c.before, c.patch);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (const c of cases) {
    engineOnce(c);
    if (c.format === 'diff') jsdiffOnce(c);
  }
  const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs) });
  const out: DamagedTiming[] = [];
  for (const format of ['diff', 'search-replace'] as const)
    for (const damage of DAMAGE_KINDS) {
      const group = cases.filter((c) => c.format === format && c.damage === damage);
      if (group.length === 0) continue;
      out.push({ format, damage, cases: group.length, engine: stats(group.map(engineOnce)), ...(format === 'diff' ? { jsdiff: stats(group.map(jsdiffOnce)) } : {}) });
    }
  return out;
}
