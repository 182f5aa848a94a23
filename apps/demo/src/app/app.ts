/**
 * The app's state: the loaded model (and the one loading), the current input, the reference model, and the
 * `data-state` attribute on <body> that end-to-end tests wait on (loading | ready | busy | error). Views
 * listen for 'change' and redraw what they show.
 */
import { FormatError } from '@pqweb/format';
import { type BackendOption, type LoadProgress, ModelLoadError } from '@pqweb/runtime/api';
import { IntegrityError } from '@pqweb/worker';
import { type LoadedModel, loadModel, type TableBitsOption } from '../model/loaded-model';
import { bundledOrigin, type ModelOrigin, originLabel } from '../model/model-source';
import type { PreparedInput } from '../preprocess/prepare';
import { loadReference, type ReferenceClassifier } from '../reference/reference-client';

export type BodyState = 'loading' | 'ready' | 'busy' | 'error';
export type ChangeKind = 'model' | 'loading' | 'error' | 'input' | 'reference' | 'status';

export class ChangeEvent extends Event {
  constructor(readonly kind: ChangeKind) {
    super('change');
  }
}

export interface ModelLoading {
  origin: ModelOrigin;
  progress: LoadProgress | null;
}

const BACKENDS: readonly BackendOption[] = ['auto', 'webgpu', 'wasm'];

/** `?backend=wasm` (or webgpu) forces a backend, to see the fallback on a WebGPU browser; default auto. */
export function backendFromQuery(search: string): BackendOption {
  const value = new URLSearchParams(search).get('backend');
  return BACKENDS.find((backend) => backend === value) ?? 'auto';
}

/**
 * `?tables=8` runs the PQ / RQ layers on 8-bit lookup tables, the runtime's opt-in accuracy level, to see its speed
 * and accuracy on this device (the Bench and Accuracy pages measure whatever is loaded); default 32, float32 tables.
 */
export function tableBitsFromQuery(search: string): TableBitsOption {
  return new URLSearchParams(search).get('tables') === '8' ? 8 : 32;
}

/** A sentence for people: what went wrong with which model, and what the app does now. */
export function describeModelError(error: unknown, label: string): string {
  if (error instanceof FormatError) return `${label} is not a usable .pqw model: ${error.message}`;
  if (error instanceof IntegrityError) return `${label} does not match its expected sha256: ${error.message}`;
  if (error instanceof ModelLoadError) return `${label} could not be downloaded: ${error.message}`;
  if (error instanceof Error) return `${label} could not be loaded (${error.name}): ${error.message}`;
  return `${label} could not be loaded: ${String(error)}`;
}

export class DemoApp extends EventTarget {
  model: LoadedModel | null = null;
  loading: ModelLoading | null = null;
  modelError: string | null = null;
  input: PreparedInput | null = null;
  referenceProgress: LoadProgress | null = null;
  referenceError: string | null = null;
  private busyCount = 0;
  private loadController: AbortController | null = null;
  private referencePromise: Promise<ReferenceClassifier> | null = null;

  constructor(
    readonly baseUrl: string,
    readonly backend: BackendOption,
    readonly tableBits: TableBitsOption = 32,
  ) {
    super();
  }

  get state(): BodyState {
    if (this.loading) return 'loading';
    if (!this.model) return 'error';
    return this.busyCount > 0 ? 'busy' : 'ready';
  }

  private emit(kind: ChangeKind): void {
    document.body.dataset.state = this.state;
    this.dispatchEvent(new ChangeEvent(kind));
  }

  onChange(listener: (kind: ChangeKind) => void): void {
    this.addEventListener('change', (event) => {
      if (event instanceof ChangeEvent) listener(event.kind);
    });
  }

  /**
   * Load `origin`; on success it replaces the current model (disposed), on failure the current one stays and
   * `modelError` says why. With no model at all, `fallback` (the bundled one) is loaded so the app works.
   */
  async loadModel(
    origin: ModelOrigin,
    fallback: ModelOrigin | null = null,
    keepError = false,
  ): Promise<boolean> {
    this.loadController?.abort(new DOMException('another model was chosen', 'AbortError'));
    const controller = new AbortController();
    this.loadController = controller;
    this.loading = { origin, progress: null };
    if (!keepError) this.modelError = null;
    this.emit('loading');
    try {
      const loaded = await loadModel(origin, {
        backend: this.backend,
        tableBits: this.tableBits,
        signal: controller.signal,
        onProgress: (progress) => {
          if (this.loading?.origin !== origin) return;
          this.loading.progress = progress;
          this.emit('loading');
        },
      });
      const previous = this.model;
      this.model = loaded;
      this.loading = null;
      this.emit('model');
      await previous?.classifier.dispose();
      return true;
    } catch (error) {
      if (controller.signal.aborted) return false;
      const label = originLabel(origin, location.origin);
      const next = this.model
        ? `Still using ${originLabel(this.model.origin, location.origin)}.`
        : fallback
          ? 'Loading the bundled model instead.'
          : '';
      this.modelError = `${describeModelError(error, label)} ${next}`.trim();
      this.loading = null;
      this.emit('error');
      if (!this.model && fallback) return this.loadModel(fallback, null, true);
      return false;
    } finally {
      if (this.loadController === controller) this.loadController = null;
    }
  }

  loadBundled(): Promise<boolean> {
    return this.loadModel(bundledOrigin(this.baseUrl));
  }

  dismissError(): void {
    this.modelError = null;
    this.emit('error');
  }

  setInput(input: PreparedInput): void {
    this.input = input;
    this.emit('input');
  }

  /** Run `task` with body[data-state] = busy (unless a model is loading, which says more). */
  async busy<T>(task: () => Promise<T>): Promise<T> {
    this.busyCount++;
    this.emit('status');
    try {
      return await task();
    } finally {
      this.busyCount--;
      this.emit('status');
    }
  }

  /** The uncompressed reference model, loaded once on first use. */
  reference(): Promise<ReferenceClassifier> {
    if (!this.referencePromise) {
      this.referenceError = null;
      this.referencePromise = loadReference(this.baseUrl, {
        backend: this.backend,
        onProgress: (progress) => {
          this.referenceProgress = progress;
          this.emit('reference');
        },
      }).then(
        (reference) => {
          this.emit('reference');
          return reference;
        },
        (error: unknown) => {
          this.referencePromise = null;
          this.referenceError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          this.emit('reference');
          throw error;
        },
      );
    }
    return this.referencePromise;
  }
}
