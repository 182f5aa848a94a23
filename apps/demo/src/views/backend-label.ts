/** How the backend reads in the UI: the WebGPU adapter's name, or the wasm fallback. */
import type { AdapterSummary, BackendName } from '@pqweb/runtime/api';

export function adapterName(adapter: AdapterSummary | null): string {
  if (!adapter) return 'GPU';
  const parts = [adapter.description, [adapter.vendor, adapter.architecture].filter(Boolean).join(' ')];
  return parts.find((part) => part.trim().length > 0) ?? 'GPU';
}

export function backendLabel(backend: BackendName, adapter: AdapterSummary | null): string {
  return backend === 'webgpu' ? `WebGPU · ${adapterName(adapter)}` : 'wasm · CPU fallback';
}
