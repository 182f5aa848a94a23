/** `pnpm build:wasm`: regenerates src/cpu/*.wasm.ts from the `.wat` kernels (see compile.ts). */
import { writeFile } from 'node:fs/promises';
import { assemble, generatedModule, kernelPath, WASM_KERNELS } from './compile';

for (const kernel of WASM_KERNELS) {
  const bytes = await assemble(kernel);
  await writeFile(kernelPath(kernel.module), generatedModule(kernel, bytes));
  console.log(
    `${kernel.source} → ${kernel.module.replace('../', 'packages/runtime/')} (${bytes.length} bytes)`,
  );
}
