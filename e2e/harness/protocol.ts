/** Messages between the harness page, its GPU worker and the Playwright spec (structured-clone data only). */

/** One dense problem the worker runs on the GPU and on the CPU twin. */
export interface DenseCaseSpec {
  rows: number;
  cols: number;
  batch: number;
  relu: boolean;
  seed: number;
}

export interface DenseCaseResult extends DenseCaseSpec {
  variant: 'subgroup' | 'workgroup';
  /** Elements compared (batch × rows). */
  elementsChecked: number;
  /** Elements still NaN after the dispatch (the output buffer is poisoned with NaN first). */
  nanCount: number;
  /** Largest |gpu − cpu|. */
  maxAbsError: number;
  /** Largest |gpu − cpu| / bound, bound = 1e-6 · √cols · (|b| + Σ|W·x|); ≤ 1 passes. */
  maxErrorRatio: number;
}

export interface GpuWorkerReport {
  ok: true;
  adapter: { vendor: string; architecture: string; device: string; description: string };
  features: string[];
  /** Which variants ran; 'subgroup' only when the adapter offers the `subgroups` feature. */
  variants: Array<'subgroup' | 'workgroup'>;
  cases: DenseCaseResult[];
  elementsChecked: number;
  nanCount: number;
  maxAbsError: number;
  maxErrorRatio: number;
  /** GPU validation errors caught by the worker's error scope (empty when clean). */
  validationErrors: string[];
}

export interface GpuWorkerFailure {
  ok: false;
  /** Error class name (e.g. GpuUnavailableError) and message, as thrown in the worker. */
  name: string;
  message: string;
  stack?: string;
}

export type GpuWorkerMessage = GpuWorkerReport | GpuWorkerFailure;

/** Request the page sends to the worker. */
export interface GpuWorkerRequest {
  cases: DenseCaseSpec[];
}
