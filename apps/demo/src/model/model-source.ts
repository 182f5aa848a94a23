/** Where the demo's model comes from: the bundled file, `?model=<url>`, or a file the user picked. */

/** The compressed reference model shipped with the app (scripts/start.sh writes it), relative to the app. */
export const BUNDLED_MODEL_PATH = 'models/fashion-vgg.pqw';

/** Set by the build (vite-plugins.ts, bundledModelHash): the bundled file's sha256, or null in dev. */
declare const __PQWEB_BUNDLED_MODEL_SHA256__: string | null;

export type ModelOrigin =
  | { kind: 'bundled'; url: string; sha256: string | null }
  | { kind: 'url'; url: string }
  | { kind: 'file'; file: File };

export function bundledOrigin(baseUrl: string): ModelOrigin {
  return {
    kind: 'bundled',
    url: new URL(BUNDLED_MODEL_PATH, baseUrl).href,
    sha256: typeof __PQWEB_BUNDLED_MODEL_SHA256__ === 'string' ? __PQWEB_BUNDLED_MODEL_SHA256__ : null,
  };
}

/** `?model=<url>` resolved against the page (relative URLs allowed), or null when absent or empty. */
export function queryOrigin(search: string, baseUrl: string): ModelOrigin | null {
  const value = new URLSearchParams(search).get('model')?.trim();
  if (!value) return null;
  return { kind: 'url', url: new URL(value, baseUrl).href };
}

/** A short name for the UI: the file name, and the host when it is not this page's. */
export function originLabel(origin: ModelOrigin, pageOrigin: string): string {
  if (origin.kind === 'file') return origin.file.name;
  const url = new URL(origin.url);
  const file = decodeURIComponent(url.pathname.split('/').pop() || url.pathname);
  return url.origin === pageOrigin ? file : `${file} (${url.host})`;
}
