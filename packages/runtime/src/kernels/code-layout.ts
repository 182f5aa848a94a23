/**
 * How packed codes sit in GPU memory. The .pqw file stores each row's words contiguously
 * ([stages][rows][wordsPerRow], packages/format); the gather kernels give one row to each invocation, so in that
 * layout the 32 lanes of a subgroup read 32 words `wordsPerRow` apart: 32 cache lines per load, of which 4 bytes
 * each are used, and the H200 streamed codes at about 1 TB/s of its 4.5. On the GPU the words of CODE_ROW_TILE
 * consecutive rows are therefore interleaved: word w of rows 32t … 32t + 31 are 32 consecutive u32, so a
 * subgroup's load is one 128-byte line.
 *
 *   word(stage, row, w) = ((stage · rowTiles + ⌊row / 32⌋) · wordsPerRow + w) · 32 + row mod 32
 *
 * with rowTiles = ⌈rows / 32⌉; the rows of the last tile past `rows` are zero padding (never read into a sum).
 */

/** Rows whose code words are interleaved; the NVIDIA and Apple subgroup width (AMD's 64 reads two lines). */
export const CODE_ROW_TILE = 32;

/** Tiles of CODE_ROW_TILE rows per stage. */
export function codeRowTiles(rows: number): number {
  return Math.ceil(rows / CODE_ROW_TILE);
}

/** u32 words one stage of codes takes in the GPU layout (padding rows included). */
export function gpuStageWords(rows: number, wordsPerRow: number): number {
  return codeRowTiles(rows) * wordsPerRow * CODE_ROW_TILE;
}

/** u32 words all stages take in the GPU layout. */
export function gpuCodeWords(rows: number, wordsPerRow: number, stages = 1): number {
  return stages * gpuStageWords(rows, wordsPerRow);
}

/**
 * Reorders codes from the file layout [stages][rows][wordsPerRow] into the GPU layout above. The result is what
 * `createLayerExecutor` expects in `buffers.codes`.
 */
export function interleaveCodeRows(
  words: Uint32Array,
  rows: number,
  wordsPerRow: number,
  stages = 1,
): Uint32Array<ArrayBuffer> {
  const expected = stages * rows * wordsPerRow;
  if (words.length !== expected) {
    throw new RangeError(
      `interleaveCodeRows: expected stages ${stages} × rows ${rows} × wordsPerRow ${wordsPerRow} = ${expected} words, got ${words.length}`,
    );
  }
  const stageWords = gpuStageWords(rows, wordsPerRow);
  const out = new Uint32Array(stages * stageWords);
  for (let stage = 0; stage < stages; stage++) {
    for (let row = 0; row < rows; row++) {
      const source = (stage * rows + row) * wordsPerRow;
      const tileBase =
        stage * stageWords +
        Math.floor(row / CODE_ROW_TILE) * wordsPerRow * CODE_ROW_TILE +
        (row % CODE_ROW_TILE);
      for (let w = 0; w < wordsPerRow; w++) out[tileBase + w * CODE_ROW_TILE] = words[source + w];
    }
  }
  return out;
}
