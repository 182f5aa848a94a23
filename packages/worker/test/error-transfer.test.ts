import { FormatError } from '@pqweb/format';
import { ClassifierDisposedError, GpuDeviceLostError, InputError, ModelLoadError } from '@pqweb/runtime';
import { expose, wrap } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { deserializeError, installErrorTransfer, serializeError } from '../src/error-transfer';
import { IntegrityError, WorkerCrashedError } from '../src/errors';

/** serialize → structured clone (what postMessage does) → deserialize. */
function roundTrip(error: Error): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

class ProjectSpecificError extends Error {
  override name = 'ProjectSpecificError';
  readonly code = 42;
}

describe('error serialization round trip', () => {
  it('keeps class, message, stack and own fields of FormatError', () => {
    const original = new FormatError('sections[3].crc32', 'is 0x1234, expected 0x5678');
    const copy = roundTrip(original);
    expect(copy).toBeInstanceOf(FormatError);
    expect(copy).toBeInstanceOf(Error);
    expect(copy.name).toBe('FormatError');
    // The constructor is not run again: the field prefix is not doubled.
    expect(copy.message).toBe('sections[3].crc32: is 0x1234, expected 0x5678');
    expect(copy.stack).toBe(original.stack);
    expect(copy instanceof FormatError && copy.field).toBe('sections[3].crc32');
    // An engine-branded Error, not an Object dressed as one.
    expect(Object.prototype.toString.call(copy)).toBe('[object Error]');
  });

  it.each([
    ['ModelLoadError', new ModelLoadError('could not fetch /m.pqw: HTTP 404'), ModelLoadError],
    ['InputError', new InputError('tensor input must hold 64 floats'), InputError],
    ['ClassifierDisposedError', new ClassifierDisposedError('disposed'), ClassifierDisposedError],
    ['WorkerCrashedError', new WorkerCrashedError('the worker stopped'), WorkerCrashedError],
    ['TypeError', new TypeError('x is not a function'), TypeError],
    ['RangeError', new RangeError('out of range'), RangeError],
  ] as const)('rebuilds %s as its class', (name, original, errorClass) => {
    const copy = roundTrip(original);
    expect(copy).toBeInstanceOf(errorClass);
    expect(copy.name).toBe(name);
    expect(copy.message).toBe(original.message);
  });

  it('keeps constructor-parameter fields (IntegrityError, GpuDeviceLostError)', () => {
    const integrity = roundTrip(new IntegrityError('https://x/m.pqw', 'a'.repeat(64), 'b'.repeat(64)));
    expect(integrity).toBeInstanceOf(IntegrityError);
    expect(integrity).toMatchObject({
      url: 'https://x/m.pqw',
      expected: 'a'.repeat(64),
      actual: 'b'.repeat(64),
    });
    const lost = roundTrip(new GpuDeviceLostError('device lost', 'destroyed'));
    expect(lost).toBeInstanceOf(GpuDeviceLostError);
    expect(lost instanceof GpuDeviceLostError && lost.reason).toBe('destroyed');
  });

  it('turns an unknown class into an Error with its name and fields', () => {
    const copy = roundTrip(new ProjectSpecificError('special'));
    expect(copy.constructor).toBe(Error);
    expect(copy.name).toBe('ProjectSpecificError');
    expect(copy).toMatchObject({ code: 42, message: 'special' });
  });

  it('rebuilds DOMExceptions by name (AbortError)', () => {
    const copy = roundTrip(new DOMException('the call was aborted', 'AbortError'));
    expect(copy).toBeInstanceOf(DOMException);
    expect(copy.name).toBe('AbortError');
    expect(copy.message).toBe('the call was aborted');
  });

  it('drops fields that cannot be cloned, and carries the cause chain', () => {
    const root = new FormatError('header.version', 'is 2, expected 1');
    const outer = new ModelLoadError('could not read the model', { cause: root });
    Object.assign(outer, { callback: () => undefined, attempts: 3 });
    const copy = roundTrip(outer);
    expect(copy).toMatchObject({ attempts: 3 });
    expect('callback' in copy).toBe(false);
    expect(copy.cause).toBeInstanceOf(FormatError);
    expect(copy.cause instanceof FormatError && copy.cause.field).toBe('header.version');
  });

  it('cuts a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    let depth = 0;
    let link: unknown = roundTrip(a);
    while (link instanceof Error) {
      depth++;
      link = link.cause;
    }
    // The error itself plus MAX_CAUSE_DEPTH (8) causes.
    expect(depth).toBe(9);
  });
});

describe('the comlink throw handler', () => {
  const ports: MessagePort[] = [];
  afterEach(() => {
    for (const port of ports.splice(0)) port.close();
  });

  it('rejects a remote call with the thrower’s class, fields and stack', async () => {
    installErrorTransfer();
    installErrorTransfer(); // idempotent
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const thrown = new FormatError('layers[1].packing.wordsPerRow', 'is 3, expected 2');
    expose(
      {
        fail: () => {
          throw thrown;
        },
        failWith: (value: unknown) => Promise.reject(value),
      },
      port1,
    );
    const remote = wrap<{ fail(): void; failWith(value: unknown): Promise<void> }>(port2);
    const error: unknown = await remote.fail().then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(FormatError);
    expect(error).not.toBe(thrown);
    expect(error instanceof FormatError && error.field).toBe('layers[1].packing.wordsPerRow');
    expect(error instanceof Error && error.stack).toBe(thrown.stack);
    // A thrown non-Error crosses as itself.
    await expect(remote.failWith({ code: 7 })).rejects.toEqual({ code: 7 });
  });
});
