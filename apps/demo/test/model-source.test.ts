import { FormatError } from '@pqweb/format';
import { ModelLoadError } from '@pqweb/runtime/api';
import { IntegrityError } from '@pqweb/worker';
import { describe, expect, it } from 'vitest';
import { backendFromQuery, describeModelError, tableBitsFromQuery } from '../src/app/app';
import { bundledOrigin, originLabel, queryOrigin } from '../src/model/model-source';

const PAGE = 'https://demo.example/app/index.html';

describe('model sources', () => {
  it('resolves ?model= against the page and ignores an empty one', () => {
    expect(queryOrigin('?model=models/kmeans.pqw', PAGE)).toEqual({
      kind: 'url',
      url: 'https://demo.example/app/models/kmeans.pqw',
    });
    expect(queryOrigin('?model=https%3A%2F%2Fcdn.example%2Fm.pqw', PAGE)).toEqual({
      kind: 'url',
      url: 'https://cdn.example/m.pqw',
    });
    expect(queryOrigin('?model=', PAGE)).toBeNull();
    expect(queryOrigin('', PAGE)).toBeNull();
  });

  it('names a model by its file, with the host when it is another site', () => {
    const bundled = bundledOrigin(PAGE);
    expect(bundled).toMatchObject({
      kind: 'bundled',
      url: 'https://demo.example/app/models/fashion-vgg.pqw',
    });
    expect(originLabel(bundled, 'https://demo.example')).toBe('fashion-vgg.pqw');
    expect(originLabel({ kind: 'url', url: 'https://cdn.example/x/m%201.pqw' }, 'https://demo.example')).toBe(
      'm 1.pqw (cdn.example)',
    );
  });

  it('reads ?backend=, defaulting to auto', () => {
    expect(backendFromQuery('?backend=wasm')).toBe('wasm');
    expect(backendFromQuery('?backend=webgpu')).toBe('webgpu');
    expect(backendFromQuery('?backend=cuda')).toBe('auto');
    expect(backendFromQuery('')).toBe('auto');
  });

  it('reads ?tables=8, defaulting to float32 tables', () => {
    expect(tableBitsFromQuery('?tables=8')).toBe(8);
    expect(tableBitsFromQuery('?backend=wasm&tables=8')).toBe(8);
    expect(tableBitsFromQuery('?tables=4')).toBe(32);
    expect(tableBitsFromQuery('')).toBe(32);
  });
});

describe('describeModelError', () => {
  it('says what kind of failure it was, for people', () => {
    expect(describeModelError(new FormatError('magic', 'not a .pqw file'), 'x.pqw')).toMatch(
      /^x\.pqw is not a usable \.pqw model: /,
    );
    expect(describeModelError(new ModelLoadError('GET answered 404'), 'x.pqw')).toBe(
      'x.pqw could not be downloaded: GET answered 404',
    );
    const integrity = new IntegrityError('https://x/x.pqw', 'aa'.repeat(32), 'bb'.repeat(32));
    expect(describeModelError(integrity, 'x.pqw')).toBe(
      `x.pqw does not match its expected sha256: ${integrity.message}`,
    );
    expect(describeModelError('boom', 'x.pqw')).toBe('x.pqw could not be loaded: boom');
  });
});
