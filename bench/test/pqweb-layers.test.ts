import { describe, expect, it } from 'vitest';
import { contendersAtBatch } from '../lib/pqweb-layers';

describe('contendersAtBatch', () => {
  it('leaves out tunings below their smallest batch, keeping the order', () => {
    const contenders = [
      { id: 'default' },
      { id: 'batch tile 1', minBatch: 2 },
      { id: 'wg 256' },
      { id: 'batch tile 4', minBatch: 3 },
    ];
    const ids = (batch: number) => contendersAtBatch(contenders, batch).map((contender) => contender.id);
    expect(ids(1)).toEqual(['default', 'wg 256']);
    expect(ids(2)).toEqual(['default', 'batch tile 1', 'wg 256']);
    expect(ids(8)).toEqual(['default', 'batch tile 1', 'wg 256', 'batch tile 4']);
  });
});
