/**
 * Uniform blocks declared once, as an ordered list of scalar fields, so the bytes written from TypeScript
 * and the WGSL struct cannot drift apart: each shader declares its struct by hand (WGSL stays readable),
 * and kernel tests compare that declaration with `wgslStruct()` of the layout the kernel encodes with.
 * All fields are 4-byte scalars (u32 / i32 / f32), so WGSL's uniform layout is consecutive 4-byte slots;
 * the block is padded to 16 bytes as uniform buffers require.
 */
export type UniformScalar = 'u32' | 'i32' | 'f32';

/** WGSL requires uniform buffer sizes to be a multiple of 16 bytes (a vec4's alignment). */
const UNIFORM_BLOCK_ALIGNMENT = 16;

export interface UniformLayout<Field extends string> {
  readonly fields: ReadonlyArray<readonly [Field, UniformScalar]>;
  readonly byteSize: number;
  /** Encode values (every field required) into a fresh ArrayBuffer ready for `queue.writeBuffer`. */
  encode(values: Readonly<Record<Field, number>>): ArrayBuffer;
  /** The WGSL struct declaration matching this layout. */
  wgslStruct(name: string): string;
}

export function uniformLayout<Field extends string>(
  fields: ReadonlyArray<readonly [Field, UniformScalar]>,
): UniformLayout<Field> {
  const byteSize = Math.ceil((fields.length * 4) / UNIFORM_BLOCK_ALIGNMENT) * UNIFORM_BLOCK_ALIGNMENT;
  return {
    fields,
    byteSize,
    encode(values) {
      const buffer = new ArrayBuffer(byteSize);
      const view = new DataView(buffer);
      fields.forEach(([name, type], index) => {
        const value = values[name];
        if (!Number.isFinite(value))
          throw new RangeError(`uniform ${name} must be a finite number, got ${value}`);
        const offset = index * 4;
        if (type === 'f32') view.setFloat32(offset, value, true);
        else if (type === 'i32') view.setInt32(offset, value, true);
        else {
          if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
            throw new RangeError(`uniform ${name} must be a u32, got ${value}`);
          }
          view.setUint32(offset, value, true);
        }
      });
      return buffer;
    },
    wgslStruct(name) {
      return `struct ${name} {\n${fields.map(([f, t]) => `  ${f}: ${t},`).join('\n')}\n}`;
    },
  };
}
