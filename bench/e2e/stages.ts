/** pqweb's split of its timed calls (preprocess, backbone, head), summarized per stage. */
import type { E2eStageTimes } from '../../e2e/harness/bench-e2e-protocol';
import { type Summary, summarize } from '../lib/stats';

export interface E2eStageSummary {
  preprocess: Summary;
  backbone: Summary;
  head: Summary;
}

/** Null when there are no stage times (onnxruntime-web's single session.run). */
export function summarizeStages(stages: readonly E2eStageTimes[]): E2eStageSummary | null {
  if (stages.length === 0) return null;
  return {
    preprocess: summarize(stages.map((stage) => stage.preprocessMs)),
    backbone: summarize(stages.map((stage) => stage.backboneMs)),
    head: summarize(stages.map((stage) => stage.headMs)),
  };
}
