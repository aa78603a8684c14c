// How reviews and validation decide a patch. Mechanical validation is not a vote: a patch that does
// not apply or fails the check command is rejected whatever the reviewers said. The validator agent,
// when it ran, is: its verdict counts as one more vote under the run's rule. So under `majority` it
// breaks a tie between reviewers (and is outvoted by a clear majority); under `unanimous` and `veto`
// its rejection blocks a patch every reviewer approved, and its approval cannot overrule a reviewer's
// rejection.
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

export function decide(rule: ConsensusRule, validationOk: boolean, reviews: readonly Verdict[], validator?: Verdict): Decision {
  const verdicts = validator ? [...reviews, validator] : reviews;
  const approvals = verdicts.filter((v) => v.verdict === 'approve').length;
  const rejections = verdicts.length - approvals;
  const reviewApprovals = reviews.filter((v) => v.verdict === 'approve').length;
  const tally = `${reviewApprovals} of ${reviews.length} reviewers approved${validator ? `, the validator ${validator.verdict === 'approve' ? 'approved' : 'rejected'}` : ''}`;
  if (!validationOk) return { decision: 'reject', approvals, rejections, reason: `validation failed (${tally})` };
  if (reviews.length === 0) return { decision: 'reject', approvals, rejections, reason: 'no review' };
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

/** Reviewers disagree when their verdicts are not all the same. */
export function unanimous(reviews: readonly Verdict[]): boolean {
  return reviews.every((r) => r.verdict === reviews[0]?.verdict);
}
