/** Helpers that edit a valid .pqw file at the JSON or byte level while keeping the header consistent. */
import { crc32, HEADER_BYTES } from '../src/index';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const MANIFEST_LENGTH_OFFSET = 12;
const MANIFEST_CRC_OFFSET = 16;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function headerView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function manifestJson(bytes: Uint8Array): JsonObject {
  const length = headerView(bytes).getUint32(MANIFEST_LENGTH_OFFSET, true);
  const parsed: JsonValue = JSON.parse(
    new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + length)),
  );
  if (!isObject(parsed)) throw new Error('manifest is not an object');
  return parsed;
}

/** First byte a section occupies (the room the manifest may grow into). */
function firstSectionOffset(manifest: JsonObject, fileLength: number): number {
  const sections = manifest.sections;
  if (!Array.isArray(sections) || !isObject(sections[0])) return fileLength;
  const offset = sections[0].offset;
  return typeof offset === 'number' ? offset : fileLength;
}

/**
 * A copy of `bytes` with the manifest replaced by `text` (header length and CRC updated). Throws when the new
 * manifest would run into the first section: give the fixture more provenance padding then.
 */
export function withManifestText(bytes: Uint8Array, text: string | Uint8Array): Uint8Array {
  const encoded = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const oldLength = headerView(bytes).getUint32(MANIFEST_LENGTH_OFFSET, true);
  const room = firstSectionOffset(manifestJson(bytes), bytes.length) - HEADER_BYTES;
  if (encoded.length > room)
    throw new Error(`test manifest of ${encoded.length} bytes exceeds the ${room} bytes of room`);
  const out = bytes.slice();
  out.fill(0, HEADER_BYTES, HEADER_BYTES + Math.max(oldLength, encoded.length));
  out.set(encoded, HEADER_BYTES);
  headerView(out).setUint32(MANIFEST_LENGTH_OFFSET, encoded.length, true);
  headerView(out).setUint32(MANIFEST_CRC_OFFSET, crc32(encoded), true);
  return out;
}

/** Fixture provenance key that pads the manifest so edits have room to grow; dropped before each edit. */
export const ROOM_KEY = 'room';

/** A copy of `bytes` whose manifest is `mutate`d (after dropping the padding note), header kept consistent. */
export function withManifest(bytes: Uint8Array, mutate: (manifest: JsonObject) => void): Uint8Array {
  const manifest = manifestJson(bytes);
  if (isObject(manifest.provenance)) delete manifest.provenance[ROOM_KEY];
  mutate(manifest);
  return withManifestText(bytes, JSON.stringify(manifest));
}

function resolveParent(root: JsonObject, path: string): { parent: JsonObject | JsonValue[]; key: string } {
  const keys = path.split('.');
  const last = keys.pop();
  if (last === undefined) throw new Error('empty path');
  let node: JsonValue = root;
  for (const key of keys) {
    const next: JsonValue | undefined = Array.isArray(node)
      ? node[Number(key)]
      : isObject(node)
        ? node[key]
        : undefined;
    if (next === undefined) throw new Error(`path ${path} does not exist at ${key}`);
    node = next;
  }
  if (!Array.isArray(node) && !isObject(node)) throw new Error(`path ${path} does not lead to a container`);
  return { parent: node, key: last };
}

export function getPath(root: JsonObject, path: string): JsonValue | undefined {
  const { parent, key } = resolveParent(root, path);
  return Array.isArray(parent) ? parent[Number(key)] : parent[key];
}

/** Sets (or, with `undefined`, deletes) the value at a dotted path such as `layers.0.packing.bits`. */
export function setPath(root: JsonObject, path: string, value: JsonValue | undefined): void {
  const { parent, key } = resolveParent(root, path);
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(Number(key), 1);
    else parent[Number(key)] = value;
  } else if (value === undefined) {
    delete parent[key];
  } else {
    parent[key] = value;
  }
}

export function sectionIndex(manifest: JsonObject, name: string): number {
  const sections = manifest.sections;
  if (!Array.isArray(sections)) throw new Error('no sections');
  const index = sections.findIndex((section) => isObject(section) && section.name === name);
  if (index < 0) throw new Error(`no section ${name}`);
  return index;
}

/** A copy of `bytes` with section `name`'s payload edited and its manifest CRC updated to match. */
export function patchSection(
  bytes: Uint8Array,
  name: string,
  patch: (payload: Uint8Array) => void,
): Uint8Array {
  const manifest = manifestJson(bytes);
  const index = sectionIndex(manifest, name);
  const offset = getPath(manifest, `sections.${index}.offset`);
  const length = getPath(manifest, `sections.${index}.length`);
  if (typeof offset !== 'number' || typeof length !== 'number') throw new Error('bad section entry');
  const out = bytes.slice();
  const payload = out.subarray(offset, offset + length);
  patch(payload);
  return withManifest(out, (m) => setPath(m, `sections.${index}.crc32`, crc32(payload)));
}
