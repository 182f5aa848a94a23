/**
 * Thrown for anything wrong with a .pqw file or with data about to become one: bad magic, unknown version,
 * truncation, a checksum mismatch, a manifest field of the wrong type or range, sections that do not fit.
 * `field` is the JSON path of the offending value (`sections[3].crc32`, `layers[1].packing.wordsPerRow`,
 * `header.manifestLength`) so callers and tests can tell failures apart without parsing the message.
 */
export class FormatError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'FormatError';
    this.field = field;
  }
}
