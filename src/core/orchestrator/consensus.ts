// How reviews and validation decide a patch. Validation is not a vote: a patch that does not apply
// or fails the check command is rejected whatever the reviewers said.
import type { ConsensusRule } from '../events';

export interface Verdict {
  readonly verdict: 'approve' | 'reject';
}

export interface Decision {
  readonly decision: 'accept' | 'reject';
  readonly approvals: number;
  readonly rejections: number;
  readonly reason: string;
}

export function decide(rule: ConsensusRule, validationOk: boolean, verdicts: readonly Verdict[]): Decision {
  const approvals = verdicts.filter((v) => v.verdict === 'approve').length;
  const rejections = verdicts.length - approvals;
  const tally = `${approvals} of ${verdicts.length} reviewers approved`;
  if (!validationOk) return { decision: 'reject', approvals, rejections, reason: `validation failed (${tally})` };
  if (verdicts.length === 0) return { decision: 'reject', approvals, rejections, reason: 'no review' };
  let accept: boolean;
  switch (rule) {
    case 'majority':
      accept = approvals > rejections;
      break;
    case 'unanimous':
      accept = rejections === 0;
      break;
    case 'veto':
      // any reviewer can block; one approval is enough otherwise
      accept = rejections === 0 && approvals > 0;
      break;
  }
  return { decision: accept ? 'accept' : 'reject', approvals, rejections, reason: `${rule}: ${tally}` };
}
