/**
 * Errors across the worker boundary keep their class, message, stack and own fields (FormatError's `field`,
 * IntegrityError's `expected`…). comlink's default 'throw' handler sends only {name, message, stack} and
 * rebuilds a plain Error; this one sends the own fields and the cause too, and rebuilds the right class for the
 * known ones, so `err instanceof FormatError` holds in the page. Both sides register it
 * (`installErrorTransfer()`): the worker to serialize, the page to rebuild.
 */
import { FormatError } from '@pqweb/format';
import {
  ClassifierDisposedError,
  GpuDeviceLostError,
  GpuLimitError,
  GpuUnavailableError,
  InputError,
  KernelInputError,
  ModelLoadError,
} from '@pqweb/runtime/api';
import { type TransferHandler, transferHandlers } from 'comlink';
import { IntegrityError, WorkerCrashedError } from './errors';

/** An error class whose prototype a rebuilt error takes (its constructor is not run: the fields come from the wire). */
type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Classes rebuilt by name. Everything else arrives as an Error whose `name` is the original one. The built-in
 * classes are here too, so a TypeError thrown in the worker is a TypeError in the page.
 */
const KNOWN_ERROR_CLASSES: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ['FormatError', FormatError],
  ['ModelLoadError', ModelLoadError],
  ['InputError', InputError],
  ['ClassifierDisposedError', ClassifierDisposedError],
  ['GpuUnavailableError', GpuUnavailableError],
  ['GpuDeviceLostError', GpuDeviceLostError],
  ['GpuLimitError', GpuLimitError],
  ['KernelInputError', KernelInputError],
  ['IntegrityError', IntegrityError],
  ['WorkerCrashedError', WorkerCrashedError],
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/** Causes chain (error.cause.cause…); deeper links than this are cut, so a cyclic chain cannot loop. */
const MAX_CAUSE_DEPTH = 8;

/** The properties every error has; everything else own and enumerable travels in `fields`. */
const STANDARD_KEYS = new Set(['name', 'message', 'stack', 'cause']);

export interface SerializedError {
  /** 'dom' for a DOMException (AbortError, TimeoutError, DataCloneError…), rebuilt with `new DOMException`. */
  kind: 'error' | 'dom';
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable fields that survive structured cloning, e.g. `{ field: 'sections[0].crc32' }`. */
  fields: Record<string, unknown>;
  /** The error's cause: an error (serialized the same way) or a cloneable value; absent when there is none. */
  cause?: { error: SerializedError } | { value: unknown };
}

/** What crosses for a thrown value: an error, or any other thrown value as is (comlink's behaviour). */
export type SerializedThrow = { isError: true; error: SerializedError } | { isError: false; value: unknown };

function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function isDomException(error: Error): boolean {
  return typeof DOMException !== 'undefined' && error instanceof DOMException;
}

export function serializeError(error: Error, depth = 0): SerializedError {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (!STANDARD_KEYS.has(key) && isCloneable(value)) fields[key] = value;
  }
  const serialized: SerializedError = {
    kind: isDomException(error) ? 'dom' : 'error',
    name: error.name,
    message: error.message,
    stack: typeof error.stack === 'string' ? error.stack : undefined,
    fields,
  };
  if ('cause' in error && error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    const { cause } = error;
    if (cause instanceof Error) serialized.cause = { error: serializeError(cause, depth + 1) };
    else if (isCloneable(cause)) serialized.cause = { value: cause };
  }
  return serialized;
}

/** Replace an own property that may be an accessor or read-only (V8 makes `stack` an own accessor). */
function setOwn(target: object, key: string, value: unknown): void {
  try {
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
  } catch {
    // A non-configurable own property (none on the classes above): keep what the engine put there.
  }
}

export function deserializeError(serialized: SerializedError): Error {
  let error: Error;
  if (serialized.kind === 'dom' && typeof DOMException !== 'undefined') {
    error = new DOMException(serialized.message, serialized.name);
  } else {
    const errorClass = KNOWN_ERROR_CLASSES.get(serialized.name) ?? Error;
    // A real Error object (engine-branded, with a stack slot) whose prototype is the class's, built without
    // running the class constructor: FormatError's would prefix `field` to the message a second time.
    error = Reflect.construct(Error, [serialized.message], errorClass);
    // Own and enumerable, as the classes' `override name = …` fields make it.
    error.name = serialized.name;
  }
  if (serialized.stack !== undefined) setOwn(error, 'stack', serialized.stack);
  Object.assign(error, serialized.fields);
  if (serialized.cause) {
    setOwn(
      error,
      'cause',
      'error' in serialized.cause ? deserializeError(serialized.cause.error) : serialized.cause.value,
    );
  }
  return error;
}

export function serializeThrown(value: unknown): SerializedThrow {
  return value instanceof Error ? { isError: true, error: serializeError(value) } : { isError: false, value };
}

export function deserializeThrown(serialized: SerializedThrow): unknown {
  return serialized.isError ? deserializeError(serialized.error) : serialized.value;
}

/** comlink wraps a thrown value as `{ value, [throwMarker]: 0 }`; the marker symbol is private to comlink. */
interface ThrownWrapper {
  value: unknown;
}

let installedHandler: TransferHandler<ThrownWrapper, SerializedThrow> | null = null;

/**
 * Replace comlink's 'throw' transfer handler with one that keeps error classes and fields. Idempotent; call it
 * on both sides of the boundary before the first call (createWorkerClassifier and exposeClassifier do).
 */
export function installErrorTransfer(): void {
  const current = transferHandlers.get('throw');
  if (installedHandler !== null && current === installedHandler) return;
  // comlink's own handler knows its private marker symbol; ask it which values are thrown wrappers.
  const recognizes = installedHandler?.canHandle ?? current?.canHandle;
  if (!recognizes)
    throw new Error("comlink has no 'throw' transfer handler to extend; is comlink 4.x installed?");
  const handler: TransferHandler<ThrownWrapper, SerializedThrow> = {
    canHandle: (value): value is ThrownWrapper => recognizes(value),
    serialize: (wrapper) => [serializeThrown(wrapper.value), []],
    deserialize: (serialized) => {
      // comlink rejects the call with whatever deserialize throws.
      throw deserializeThrown(serialized);
    },
  };
  installedHandler = handler;
  transferHandlers.set('throw', handler);
}
