/** ValueInfoProto (a named, typed graph input, output or intermediate) to and from OnnxInputInfo. */
import { UnsupportedModelError } from './errors';
import {
  createMessage,
  dataTypeName,
  hasOwnField,
  int64ToNumber,
  TensorDataType,
  type TensorShapeDimension,
  type ValueInfoProto,
} from './proto';
import type { OnnxInputInfo } from './types';

/** The symbolic name given to a dynamic batch dimension in models this module writes from scratch. */
export const BATCH_DIM_PARAM = 'batch';

/** The dims of a tensor value, or null when the value has no tensor type or no shape. */
export function valueDims(info: ValueInfoProto): TensorShapeDimension[] | null {
  const shape = info.type?.tensor_type?.shape;
  return shape === null || shape === undefined ? null : shape.dim;
}

/** A dimension's size, -1 when it is symbolic or unknown. */
export function dimSize(dim: TensorShapeDimension): number {
  return hasOwnField(dim, 'dim_value')
    ? int64ToNumber(dim.dim_value, 'TensorShapeProto.Dimension.dim_value')
    : -1;
}

export function toInputInfo(info: ValueInfoProto): OnnxInputInfo {
  const tensorType = info.type?.tensor_type;
  if (tensorType === null || tensorType === undefined) {
    throw new UnsupportedModelError(
      `model input '${info.name}' is not a tensor; only a float32 tensor input is supported`,
    );
  }
  if (tensorType.elem_type !== TensorDataType.FLOAT) {
    throw new UnsupportedModelError(
      `model input '${info.name}' is ${dataTypeName(tensorType.elem_type)}; only float32 inputs are supported`,
    );
  }
  return { name: info.name, shape: (valueDims(info) ?? []).map(dimSize), dtype: 'float32' };
}

/** A copy of a dimension (its size or its symbolic name), for use in another ValueInfo. */
export function copyDim(dim: TensorShapeDimension | undefined): TensorShapeDimension {
  if (dim !== undefined && hasOwnField(dim, 'dim_value')) {
    return createMessage('TensorShapeProto.Dimension', { dim_value: dim.dim_value });
  }
  if (dim !== undefined && hasOwnField(dim, 'dim_param')) {
    return createMessage('TensorShapeProto.Dimension', { dim_param: dim.dim_param });
  }
  return createMessage('TensorShapeProto.Dimension', {});
}

export function sizeDim(size: number): TensorShapeDimension {
  return createMessage('TensorShapeProto.Dimension', { dim_value: size });
}

/** A float32 tensor ValueInfo with the given dims. */
export function floatValueInfo(name: string, dims: TensorShapeDimension[]): ValueInfoProto {
  return createMessage('ValueInfoProto', {
    name,
    type: createMessage('TypeProto', {
      tensor_type: createMessage('TypeProto.Tensor', {
        elem_type: TensorDataType.FLOAT,
        shape: createMessage('TensorShapeProto', { dim: dims }),
      }),
    }),
  });
}

/** The ValueInfo of an input described by OnnxInputInfo; -1 dims become symbolic (`batch`, `dim_2`…). */
export function inputValueInfo(input: OnnxInputInfo): ValueInfoProto {
  const dims = input.shape.map((size, axis) =>
    size >= 0
      ? sizeDim(size)
      : createMessage('TensorShapeProto.Dimension', {
          dim_param: axis === 0 ? BATCH_DIM_PARAM : `dim_${axis}`,
        }),
  );
  return floatValueInfo(input.name, dims);
}
