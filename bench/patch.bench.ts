// The patch engine against `git apply`, GNU patch and jsdiff on real code changes (consecutive
// versions of published npm packages, fetched with npm pack at bench time), damaged the ways model
// output is. Cells read correct/refused/wrong. The damage kinds mirror the tolerances the engine was
// built with; the kinds in POLICY_KINDS encode this project's rules (a near hint decides between two
// copies; a hint that separates nothing must be refused) and are reported apart from the totals.
// Reproduce: npm run bench -- patch   (CC_BENCH_PATCH_MAX=N caps the number of file changes)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rowCollector, type BenchSuite } from './harness';
import { APPLIERS, runCase, type Applier } from './patch/appliers';
import { loadCorpus } from './patch/corpus';
import { damageAll, DAMAGE_KINDS, POLICY_KINDS, type Case, type CleanPatch } from './patch/damage';
import { diffHunks, searchReplaceBlocks } from './patch/hunks';
import { FACT_KINDS, renderTable, Results, summary } from './patch/table';
import { timeDamaged, timeMultiFilePatch } from './patch/timing';

const CONCURRENCY = Math.max(2, Math.min(8, os.cpus().length));

async function pool<T>(items: readonly T[], work: (item: T, slot: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, slot) => {
      while (next < items.length) await work(items[next++]!, slot);
    }),
  );
}

export const suite: BenchSuite = {
  name: 'patch',
  async run(report) {
    const out = rowCollector(report);
    const log = (line: string) => process.stdout.write(line + '\n');
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-patch-bench-'));
    try {
      const max = Number(process.env.CC_BENCH_PATCH_MAX ?? Infinity);
      const changes = (await loadCorpus(log)).slice(0, max);
      const clean: CleanPatch[] = [];
      for (const change of changes) {
        const hunks = await diffHunks(change.oldText, change.newText, path.join(scratch, 'diff'));
        if (hunks.length > 0) clean.push({ change, hunks, blocks: searchReplaceBlocks(change.oldText, change.newText, hunks) });
      }
      const cases = clean.flatMap((p, i) => damageAll(p, i + 1));
      const releases = new Set(changes.map((c) => c.release)).size;
      log(`  corpus: ${clean.length} changed files from ${releases} releases, ${clean.reduce((n, p) => n + p.hunks.length, 0)} hunks; ${cases.length} damaged patches`);

      const results = new Results();
      const failures: Array<{ applier: string; outcome: string; c: Case }> = [];
      const jobs = APPLIERS.flatMap((a) => cases.filter((c) => a.formats.includes(c.format)).map((c) => [a, c] as [Applier, Case]));
      await pool(jobs, async ([applier, c], slot) => {
        const outcome = await runCase(applier, c, path.join(scratch, `slot-${slot}`));
        results.add(c.format, c.damage, applier.name, outcome);
        if (applier.name === 'engine' && outcome !== 'correct') failures.push({ applier: applier.name, outcome, c });
      });
      process.stdout.write(renderTable(results, cases, APPLIERS.map((a) => a.name)));
      saveFailures(failures);

      for (const a of APPLIERS) out.add({ metric: `${a.name}: diff cases but policy kinds`, value: summary(results.get('diff', FACT_KINDS, a.name)) });
      for (const a of APPLIERS) out.add({ metric: `${a.name}: policy kinds (diff)`, value: summary(results.get('diff', POLICY_KINDS, a.name)) });
      for (const format of ['diff', 'search-replace'] as const)
        for (const damage of DAMAGE_KINDS) {
          const t = results.get(format, damage, 'engine');
          if (t.correct + t.refused + t.wrong > 0) out.add({ metric: `engine ${format} ${damage}`, value: summary(t) });
        }
      const engine = results.get('*', FACT_KINDS, 'engine');
      const factCases = cases.filter((c) => FACT_KINDS.includes(c.damage)).length;
      out.add({ metric: 'engine correct, all formats, policy kinds apart', value: Number(((100 * engine.correct) / factCases).toFixed(2)), unit: '%', goal: '>= 99%' });
      out.add({ metric: 'engine wrong files, all formats, policy kinds apart', value: engine.wrong, goal: '0' });
      const policy = results.get('*', POLICY_KINDS, 'engine');
      out.add({ metric: 'engine on the policy kinds, all formats', value: summary(policy) });

      log('  in memory per damaged case (parse + locate + edit, no disk), ms p50 / p99 / max:');
      for (const t of timeDamaged(cases)) {
        const f = (x: { p50: number; p99: number; max: number }) => `${x.p50.toFixed(3)} / ${x.p99.toFixed(3)} / ${x.max.toFixed(2)}`;
        out.add({ metric: `time ${t.format} ${t.damage} (${t.cases}): engine${t.jsdiff ? ' | jsdiff' : ''}`, value: `${f(t.engine)}${t.jsdiff ? ` | ${f(t.jsdiff)}` : ''}`, unit: 'ms' });
      }

      for (const format of ['diff', 'search-replace'] as const) {
        const t = await timeMultiFilePatch(clean, format, scratch);
        out.add({ metric: `engine: ${t.files}-file ${format} patch (${t.hunks} hunks), in memory, p50`, value: t.planP50Ms, unit: 'ms' });
        out.add({ metric: `engine: same through applyPatch on disk, p50`, value: t.p50Ms, unit: 'ms', goal: '<= 50 ms' });
        out.add({ metric: `engine: same on disk, max of 22 runs`, value: t.maxMs, unit: 'ms' });
      }
      return out.rows;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  },
};

/** Every case the engine did not get right, kept for a look: .bench/patch-failures/. */
function saveFailures(failures: ReadonlyArray<{ outcome: string; c: Case }>): void {
  const dir = path.resolve('.bench', 'patch-failures');
  fs.rmSync(dir, { recursive: true, force: true });
  if (failures.length === 0) return;
  fs.mkdirSync(dir, { recursive: true });
  failures.forEach(({ outcome, c }, i) => {
    const base = path.join(dir, `${String(i).padStart(4, '0')}-${outcome}-${c.format}-${c.damage.replace(/\W/g, '_')}`);
    fs.writeFileSync(`${base}.patch`, c.patch);
    fs.writeFileSync(`${base}.before`, c.before);
    if (c.expected !== null) fs.writeFileSync(`${base}.expected`, c.expected);
    fs.writeFileSync(`${base}.id`, `${c.id}\n`);
  });
  process.stdout.write(`  engine failures written to ${path.relative(process.cwd(), dir)}/ (${failures.length})\n`);
}
