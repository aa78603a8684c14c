// The review of a workspace whose database other processes share (the CLI's review command, the API
// server): one log followed by last sequence number, and a ReviewService per decision over the files
// on disk, so every host decides through the same code.
import type { RunState } from '../../core/orchestrator/runState';
import { parseEvent } from '../../core/events';
import { projectRun } from '../../core/orchestrator/runState';
import { SensitivePaths } from '../../core/patch/sensitivePaths';
import type { SqlEventStore } from '../../storage/sqlEventStore';
import type { WorkspaceStore } from '../workspaceStore';
import { NodeReviewFiles } from './nodeFiles';
import { ReviewService } from './reviewService';
import { StoreReviewLog } from './storeReviewLog';
import { WorkspaceReviewLog } from './workspaceReviewLog';

export interface WorkspaceReviewOptions {
  readonly sensitivePaths?: SensitivePaths;
  /** Called after each file a decision writes, and between its steps (the crash tests die there). */
  readonly afterFile?: (path: string) => void;
  readonly step?: (name: 'intent' | 'written' | 'recorded') => void;
}

export class WorkspaceReview {
  readonly log: WorkspaceReviewLog;
  readonly sensitivePaths: SensitivePaths;

  constructor(readonly root: string, private readonly store: WorkspaceStore, private readonly options: WorkspaceReviewOptions = {}) {
    this.log = new WorkspaceReviewLog(root, store);
    this.sensitivePaths = options.sensitivePaths ?? new SensitivePaths();
  }

  /**
   * A service for one decision. `explicit`: the person named the hunks (by id), so a sensitive file
   * among them may change; otherwise (--all, a whole patch) the patch engine refuses it.
   */
  service(options: { explicit: boolean }): ReviewService {
    const files = new NodeReviewFiles(this.root, this.options.afterFile, { paths: this.sensitivePaths, explicit: options.explicit });
    return new ReviewService(files, this.log, undefined, this.options.step);
  }

  /** A run whose accepted patches never went to review (an older run, a run applied elsewhere) is proposed now; false when there is no such run. */
  async proposeIfNew(service: ReviewService, runId: string): Promise<boolean> {
    const events = (await (await this.store.read()).store.readRun(runId)).map(parseEvent);
    if (events.length === 0) return false;
    await service.propose(projectRun(runId, events));
    return true;
  }
}

/** After a run in this process: what it accepted and did not apply is pending review (a revision's new patch replaces the one sent back). */
export async function proposeFinishedRun(root: string, store: SqlEventStore, final: RunState, revisedFrom?: string): Promise<string[]> {
  const service = new ReviewService(new NodeReviewFiles(root), new StoreReviewLog(store));
  if (revisedFrom === undefined) return service.propose(final);
  const patchId = await service.proposeRevision(final, revisedFrom);
  return patchId ? [patchId] : [];
}
