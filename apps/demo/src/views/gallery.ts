/** The gallery of bundled Fashion-MNIST test images: a grid of buttons (classify view) or a strip (compare). */
import type { DemoApp } from '../app/app';
import { type GalleryItem, galleryImage, loadGallery } from '../data/load-data';
import { type PreparedInput, prepareGalleryImage } from '../preprocess/prepare';
import { h, replaceChildren } from '../ui/dom';

export function galleryGrid(
  app: DemoApp,
  onPick: (input: PreparedInput) => void,
  layout: 'grid' | 'strip',
): HTMLElement {
  const list = h('div', { class: `gallery gallery-${layout}`, testid: `gallery-${layout}` });
  const pick = async (item: GalleryItem) => {
    const image = await galleryImage(item);
    onPick(prepareGalleryImage(image, item.file, item.labelName));
  };
  loadGallery(app.baseUrl).then(
    (items) => {
      replaceChildren(
        list,
        ...items.map((item) =>
          h(
            'button',
            {
              class: 'gallery-item',
              testid: 'gallery-item',
              dataset: { file: item.file, label: item.labelName },
              attrs: { type: 'button', title: `${item.labelName} (test image ${item.testIndex})` },
              on: { click: () => void pick(item) },
            },
            h('img', {
              attrs: { src: item.url, alt: item.labelName, width: '28', height: '28', decoding: 'async' },
            }),
          ),
        ),
      );
    },
    (error: unknown) => {
      replaceChildren(
        list,
        h('p', { class: 'error', text: `The gallery could not be loaded: ${String(error)}` }),
      );
    },
  );
  return list;
}

/** The first gallery image, for pages that need an input before the user picked one. */
export async function firstGalleryInput(app: DemoApp): Promise<PreparedInput> {
  const [item] = await loadGallery(app.baseUrl);
  if (!item) throw new Error('the gallery is empty: rebuild it with `pnpm --filter @pqweb/demo gallery`');
  return prepareGalleryImage(await galleryImage(item), item.file, item.labelName);
}
