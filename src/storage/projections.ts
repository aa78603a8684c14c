// The registered projections (see projection.ts). Add one here with its own DDL and version: it is
// built from the log at the next open and kept in step with every append after.
import type { Projection } from './projection';
import { modelPerformance } from './projections/modelPerformance';
import { reviews } from './projections/reviews';
import { runSummaries } from './projections/runSummaries';
import { spend } from './projections/spend';

export const PROJECTIONS: readonly Projection[] = [runSummaries, modelPerformance, spend, reviews];
