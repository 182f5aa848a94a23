/** Fetches the bundled Fashion-MNIST data (gallery index, test slice); see gallery-index.ts. */
import {
  DemoDataError,
  GALLERY_DIR,
  GALLERY_INDEX_FILE,
  type GalleryEntry,
  isGalleryIndex,
  parseTestSlice,
  TEST_SLICE_FILE,
  type TestSlice,
} from './gallery-index';

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new DemoDataError(`GET ${url} answered ${response.status} ${response.statusText}`);
  return response;
}

export interface GalleryItem extends GalleryEntry {
  url: string;
}

let galleryPromise: Promise<GalleryItem[]> | null = null;

export function loadGallery(baseUrl: string): Promise<GalleryItem[]> {
  galleryPromise ??= (async () => {
    const url = new URL(GALLERY_INDEX_FILE, baseUrl).href;
    const index: unknown = await (await fetchOk(url)).json();
    if (!isGalleryIndex(index)) throw new DemoDataError(`${url} is not a gallery index (no images list)`);
    return index.images.map((entry) => ({ ...entry, url: new URL(GALLERY_DIR + entry.file, baseUrl).href }));
  })();
  return galleryPromise;
}

let slicePromise: Promise<TestSlice> | null = null;

export function loadTestSlice(baseUrl: string, side: number): Promise<TestSlice> {
  slicePromise ??= (async () => {
    const response = await fetchOk(new URL(TEST_SLICE_FILE, baseUrl).href);
    return parseTestSlice(new Uint8Array(await response.arrayBuffer()), side);
  })();
  return slicePromise;
}

/** A loaded <img> for a gallery item (decoded, so its pixels can be read at once). */
export async function galleryImage(item: GalleryItem): Promise<HTMLImageElement> {
  const image = new Image();
  image.src = item.url;
  await image.decode();
  return image;
}
