/**
 * The demo's build plugins (see vite.config.ts for why each exists). Node-only; not part of the app bundle.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

/** Where the app fetches the uncompressed reference model, relative to its base URL. */
export const REFERENCE_MODEL_PATH = 'models/fashion-vgg.onnx';
/** The bundled compressed model, relative to the public folder and the base URL. */
export const BUNDLED_MODEL_PATH = 'models/fashion-vgg.pqw';
/** The identifier src/sw/sw.ts reads its precache list from; replaced in the built sw.js. */
export const PRECACHE_PLACEHOLDER = '__PQWEB_PRECACHE__';

const BUNDLED_MODEL_HINT =
  'run `bash scripts/start.sh` (or `pnpm pqweb compress models/reference/fashion-vgg.onnx -o apps/demo/public/models/fashion-vgg.pqw --method pq --bits 4 --dim 4 --codebook float16 --mean 0.286041 --std 0.353024 --labels models/reference/labels.txt`)';

type Next = (error?: unknown) => void;

/** Serve one file at `urlPath` (under any base), with HEAD, a length and a validator, streaming the body. */
function fileMiddleware(urlPath: string, filePath: string) {
  return (request: IncomingMessage, response: ServerResponse, next: Next): void => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (!pathname.endsWith(`/${urlPath}`) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      next();
      return;
    }
    const stats = statSync(filePath);
    response.setHeader('Content-Type', 'application/octet-stream');
    response.setHeader('Content-Length', String(stats.size));
    response.setHeader('ETag', `"${stats.size.toString(16)}-${stats.mtimeMs.toString(16)}"`);
    response.setHeader('Cache-Control', 'no-cache');
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(filePath).pipe(response);
  };
}

/**
 * Serves models/reference/fashion-vgg.onnx at REFERENCE_MODEL_PATH in `vite` (dev) and emits it into the build,
 * which `vite preview` then serves from dist/.
 */
export function referenceModel(options: { repoRoot: string }): Plugin {
  const source = join(options.repoRoot, 'models', 'reference', 'fashion-vgg.onnx');
  return {
    name: 'pqweb-demo:reference-model',
    configureServer(server) {
      server.middlewares.use(fileMiddleware(REFERENCE_MODEL_PATH, source));
    },
    generateBundle() {
      if (!existsSync(source)) {
        this.error(`the reference model ${source} is missing: the compare page needs it (git checkout it)`);
      }
      this.emitFile({ type: 'asset', fileName: REFERENCE_MODEL_PATH, source: readFileSync(source) });
    },
  };
}

/**
 * Defines `__PQWEB_BUNDLED_MODEL_SHA256__`: the bundled .pqw's sha256 in a build (the worker then trusts its
 * cached copy with no request), null in dev (where the file may be regenerated under a running server).
 */
export function bundledModelHash(options: { publicDir: string }): Plugin {
  return {
    name: 'pqweb-demo:bundled-model-hash',
    config(_config, { command }) {
      const path = join(options.publicDir, BUNDLED_MODEL_PATH);
      let sha256: string | null = null;
      if (command === 'build') {
        if (!existsSync(path)) throw new Error(`the bundled model ${path} is missing: ${BUNDLED_MODEL_HINT}`);
        sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
      }
      return { define: { __PQWEB_BUNDLED_MODEL_SHA256__: JSON.stringify(sha256) } };
    },
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/**
 * What the service worker precaches: everything the build wrote except itself, source maps, Vite's own files
 * and the models (the .pqw is cached by @pqweb/worker's Cache API entry, the 15 MB .onnx on first use).
 */
export function isPrecached(file: string): boolean {
  return !(
    file === 'sw.js' ||
    file.endsWith('.map') ||
    file.startsWith('.vite/') ||
    file.startsWith('models/')
  );
}

/**
 * After the build is written, puts the precache list and a version (a hash of every precached file's name
 * and bytes, so any change installs a new service worker) into dist/sw.js.
 */
export function serviceWorker(options: { entry: string }): Plugin {
  let outDir = '';
  return {
    name: 'pqweb-demo:service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir.startsWith('/')
        ? config.build.outDir
        : join(config.root, config.build.outDir);
    },
    writeBundle: {
      sequential: true,
      order: 'post',
      async handler() {
        const swPath = join(outDir, 'sw.js');
        if (!existsSync(swPath)) this.error(`${options.entry} was not built to ${swPath}`);
        const files = (await listFiles(outDir)).filter(isPrecached).sort();
        const hash = createHash('sha256');
        for (const file of files) hash.update(file).update(await readFile(join(outDir, file)));
        const manifest = { version: hash.digest('hex').slice(0, 16), files };
        const code = await readFile(swPath, 'utf8');
        if (!code.includes(PRECACHE_PLACEHOLDER)) {
          this.error(`${swPath} does not mention ${PRECACHE_PLACEHOLDER}; did the minifier rename it?`);
        }
        await writeFile(swPath, code.replaceAll(PRECACHE_PLACEHOLDER, JSON.stringify(manifest)));
      },
    },
  };
}
