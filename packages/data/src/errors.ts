/**
 * A dataset file is missing, unreadable or not what it claims to be (bad idx magic, a header that promises
 * more bytes than the file holds, images and labels that disagree). `file` is the path (or label) of the
 * offending file so callers and tests can tell failures apart without parsing the message.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
  readonly file: string;

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}
