/**
 * The worker classifier against the in-thread one and an independent float64 reference, in real Chromium:
 * round trip (tensor, ImageBitmap, canvas), the backbone on onnxruntime-web's wasm backend inside the worker,
 * transfer semantics, progress, errors keeping their class, and the package's ready entry.
 */
import { expect, test } from '@playwright/test';
import { openHarness, serveModel } from './harness/worker-routes';

/** float32 CPU head vs float64 reference: |Δ| ≤ 1e-5 · (1 + |y|) (sums of ≤ 100 products of magnitude ≤ 4). */
function expectNearReference(got: number[], reference: number[]): void {
  expect(got).toHaveLength(reference.length);
  got.forEach((value, i) => {
    const expected = reference[i] ?? Number.NaN;
    expect(Math.abs(value - expected)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(expected)));
  });
}

test.beforeEach(async ({ page }) => {
  await openHarness(page);
});

test('round trip: same results as the in-thread classifier and the float64 reference', async ({ page }) => {
  const report = await page.evaluate(async () => {
    const { pq } = window;
    const model = pq.models.tiny;
    const inThread = await pq.loadClassifier(model.bytes, { backend: 'wasm' });
    const remote = await pq.createWorkerClassifier(new Blob([model.bytes]), { backend: 'wasm' });

    const tensor = pq.randomTensor(7);
    const tensorCopy = tensor.slice();
    const expectedTensor = await inThread.classify(tensorCopy);
    const gotTensor = await remote.classify(tensor);

    const image = pq.grayImageData(8);
    const bitmap = await createImageBitmap(image);
    const expectedBitmap = await inThread.classify(await createImageBitmap(image));
    const gotBitmap = await remote.classify(bitmap);

    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(image, 0, 0);
    const gotCanvas = await remote.classify(canvas);

    const [remoteInfo, threadInfo] = await Promise.all([remote.info(), inThread.info()]);
    await Promise.all([remote.dispose(), inThread.dispose()]);
    const plain = (result: { top: unknown; logits: Float32Array }) => ({
      top: result.top,
      logits: [...result.logits],
    });
    return {
      tensor: [plain(gotTensor), plain(expectedTensor)],
      tensorReference: pq.referenceLogits(model, tensorCopy),
      tensorLengthAfter: tensor.length,
      bitmap: [plain(gotBitmap), plain(expectedBitmap)],
      canvas: plain(gotCanvas),
      imageReference: pq.referenceLogits(model, pq.referenceTensor(image.data)),
      bitmapWidthAfter: bitmap.width,
      canvasWidthAfter: canvas.width,
      info: [remoteInfo, threadInfo],
    };
  });
  // Worker and in-thread run the same code on the same numbers: equal to the bit.
  expect(report.tensor[0]).toEqual(report.tensor[1]);
  expect(report.bitmap[0]).toEqual(report.bitmap[1]);
  expect(report.canvas).toEqual(report.bitmap[1]);
  expectNearReference(report.tensor[0]?.logits ?? [], report.tensorReference);
  expectNearReference(report.bitmap[0]?.logits ?? [], report.imageReference);
  // Transferred: the caller's tensor buffer and bitmap are detached; a canvas is snapshotted, not taken.
  expect(report.tensorLengthAfter).toBe(0);
  expect(report.bitmapWidthAfter).toBe(0);
  expect(report.canvasWidthAfter).toBe(8);
  expect(report.info[0]).toEqual(report.info[1]);
  expect(report.info[0]?.backend).toBe('wasm');
  // Both layers (k 16 and 4) ran on the WebAssembly SIMD kernel, in the worker and on the page.
  expect(report.info[0]?.kernels).toEqual(['wasm-simd', 'wasm-simd']);
});

test("profile: true crosses to the worker and returns each head layer's GPU time", async ({ page }) => {
  const report = await page.evaluate(async () => {
    const { pq } = window;
    const remote = await pq.createWorkerClassifier(new Blob([pq.models.tiny.bytes]), { backend: 'webgpu' });
    const plain = await remote.classify(pq.randomTensor(3));
    const profiled = await remote.classify(pq.randomTensor(3), { profile: true });
    const info = await remote.info();
    await remote.dispose();
    return { plain: plain.timings.headLayers ?? null, profiled: profiled.timings.headLayers ?? null, info };
  });
  expect(report.info.backend).toBe('webgpu');
  expect(report.plain).toBeNull();
  // Chromium's SwiftShader adapter offers timestamp-query, and the runtime asks for it.
  expect(report.profiled?.map((layer) => layer.kernel)).toEqual(report.info.kernels);
  for (const layer of report.profiled ?? []) {
    expect(Number.isFinite(layer.gpuMs)).toBe(true);
    expect(layer.gpuMs).toBeGreaterThanOrEqual(0);
  }
});

test('backbone on onnxruntime-web (wasm) inside the worker matches the reference', async ({ page }) => {
  const report = await page.evaluate(async () => {
    const { pq } = window;
    const model = pq.models.backbone;
    const remote = await pq.createWorkerClassifier(new Blob([model.bytes]), { backend: 'wasm' });
    const inputs = [1, 2, 3].map((seed) => pq.randomTensor(100 + seed));
    const copies = inputs.map((input) => input.slice());
    const results = await remote.classifyBatch(inputs);
    const info = await remote.info();
    await remote.dispose();
    return {
      got: results.map((result) => [...result.logits]),
      reference: copies.map((input) => pq.referenceLogits(model, input)),
      backbone: info.backbone,
    };
  });
  // On the CPU (onnxruntime-web's wasm backend): not skipped, not on a GPU.
  expect(report.backbone).not.toBe('none');
  expect(report.backbone).not.toBe('webgpu');
  report.got.forEach((logits, i) => {
    expectNearReference(logits, report.reference[i] ?? []);
  });
});

test('the package entry and a Worker instance both serve; options.device is refused', async ({ page }) => {
  const report = await page.evaluate(async () => {
    const { pq } = window;
    const bytes = pq.models.tiny.bytes;
    const viaFactory = await pq.createWorkerClassifier(bytes, {
      backend: 'wasm',
      worker: pq.packageEntryWorker,
    });
    const viaInstance = await pq.createWorkerClassifier(bytes.buffer, {
      backend: 'wasm',
      worker: pq.packageEntryWorker(),
    });
    const [a, b] = await Promise.all([
      viaFactory.classify(pq.randomTensor(5)),
      viaInstance.classify(pq.randomTensor(5)),
    ]);
    await Promise.all([viaFactory.dispose(), viaInstance.dispose()]);
    let refused = '';
    try {
      // A GPUDevice cannot cross into a worker; a caller swapping loadClassifier options in learns why.
      await pq.createWorkerClassifier(bytes, { device: {} as GPUDevice } as Parameters<
        typeof pq.createWorkerClassifier
      >[1]);
    } catch (error) {
      refused = pq.describeError(error).message;
    }
    return { same: [...a.logits].join() === [...b.logits].join(), bytesKept: bytes.byteLength, refused };
  });
  expect(report.same).toBe(true);
  // An ArrayBuffer or Uint8Array model source is copied, not transferred.
  expect(report.bytesKept).toBeGreaterThan(0);
  expect(report.refused).toContain('options.device');
});

test('progress events arrive, in order, before the load resolves', async ({ page }) => {
  const route = await serveModel(page, 'progress.pqw', 'heavy');
  const report = await page.evaluate(async (url) => {
    const { pq } = window;
    const events: Array<{ loaded: number; total: number | null }> = [];
    const remote = await pq.createWorkerClassifier(url, {
      backend: 'wasm',
      onProgress: (progress) => events.push({ ...progress }),
    });
    const seenAtResolve = events.length;
    await remote.dispose();
    return { events, seenAtResolve };
  }, route.url);
  const size = route.body.byteLength;
  expect(report.events.length).toBeGreaterThanOrEqual(2);
  expect(report.seenAtResolve).toBe(report.events.length);
  expect(report.events[0]).toEqual({ loaded: 0, total: size });
  expect(report.events[report.events.length - 1]).toEqual({ loaded: size, total: size });
  for (let i = 1; i < report.events.length; i++) {
    expect(report.events[i]?.loaded ?? 0).toBeGreaterThanOrEqual(report.events[i - 1]?.loaded ?? 0);
  }
});

test('errors keep their class, message, stack and fields across the boundary', async ({ page }) => {
  const missing = await serveModel(page, 'missing.pqw', 'tiny');
  missing.status = 404;
  const report = await page.evaluate(async (missingUrl) => {
    const { pq } = window;
    const corrupted = pq.models.tiny.bytes.slice();
    // The last byte lies in the last section's payload or padding: a checksum or padding failure.
    corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] ?? 0) ^ 0xff;
    const failures: Record<string, ReturnType<typeof pq.describeError>> = {};
    const capture = async (name: string, run: () => Promise<unknown>) => {
      try {
        await run();
        failures[name] = pq.describeError(null);
      } catch (error) {
        failures[name] = pq.describeError(error);
      }
    };
    await capture('format', () => pq.createWorkerClassifier(corrupted, { backend: 'wasm' }));
    await capture('missing', () => pq.createWorkerClassifier(missingUrl, { backend: 'wasm' }));
    const remote = await pq.createWorkerClassifier(pq.models.tiny.bytes, { backend: 'wasm' });
    await capture('input', () => remote.classify(new Float32Array(3)));
    await remote.dispose();
    await capture('disposed', () => remote.classify(pq.randomTensor(1)));
    return failures;
  }, missing.url);

  expect(report.format?.classes).toEqual(['Error', 'FormatError']);
  expect(report.format?.name).toBe('FormatError');
  expect(String(report.format?.fields.field)).toMatch(/^(sections\[\d+\]\.crc32|padding)$/);
  expect(report.format?.message.startsWith(`${report.format?.fields.field}:`)).toBe(true);
  // The stack is the worker's: it names the decoder that threw.
  expect(report.format?.stack).toContain('decode');

  expect(report.missing?.classes).toEqual(['Error', 'ModelLoadError']);
  expect(report.missing?.message).toContain('404');

  expect(report.input?.classes).toEqual(['Error', 'InputError']);
  expect(report.input?.message).toContain('64 floats');

  expect(report.disposed?.classes).toEqual(['Error', 'ClassifierDisposedError']);
});
