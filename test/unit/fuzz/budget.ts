// Shared by the fuzz suites: a fixed seed (a failure prints its counterexample and reproduces), the
// number of generated inputs per property (CC_FUZZ_SCALE multiplies it: 0.1 for a quick look, 10 for a
// long soak), and a tally per target that `npm run bench -- security` reports.
export const FUZZ_SEED = Number(process.env.CC_FUZZ_SEED ?? 20261129);

export function fuzzRuns(base: number): number {
  const scale = Number(process.env.CC_FUZZ_SCALE ?? 1);
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

const tally = new Map<string, number>();

export function recordFuzzInputs(target: string, runs: number): void {
  tally.set(target, (tally.get(target) ?? 0) + runs);
}

export function fuzzInputs(): ReadonlyMap<string, number> {
  return tally;
}
