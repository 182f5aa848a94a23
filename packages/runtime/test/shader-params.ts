/**
 * The check every shader with SPECIALIZED_PARAMS shares (gather_common.wgsl, splitk_reduce.wgsl, dense_params.wgsl):
 * its uniform struct, one `override PARAM_<FIELD>` per field, and the struct built from those overrides in the
 * layout's order. The host names the constants by field (kernels/params.ts specializedParamConstants) while WGSL builds
 * the struct by position, so a field out of order would give one parameter another's value.
 */
import { expect } from 'vitest';
import type { UniformLayout } from '../src/gpu/uniforms';

export function expectSpecializedParams(
  wgsl: string,
  layout: UniformLayout<string>,
  structName: string,
): void {
  expect(wgsl).toContain(layout.wgslStruct(structName));
  expect(wgsl).toContain('override SPECIALIZED_PARAMS: bool = false;');
  const constants = layout.fields.map(([field]) => `PARAM_${field.toUpperCase()}`);
  for (const constant of constants) expect(wgsl).toContain(`override ${constant}: u32 = 0u;`);
  // Whitespace aside, the constructor lists the constants in the layout's order.
  const flat = wgsl.replace(/\s+/g, ' ').replace(/\( /g, '(');
  expect(flat).toContain(`return ${structName}(${constants.join(', ')}`);
}
