/** Lookups over one ONNX graph: who produces and who consumes a tensor, which tensors are constants. */
import {
  AttributeType,
  createMessage,
  findAttribute,
  type GraphProto,
  isStandardOp,
  type NodeProto,
  TensorDataType,
  type TensorProto,
  type ValueInfoProto,
} from './proto';

/**
 * Every tensor name a node reads: its inputs, and the outer-scope names its subgraphs (If, Loop, Scan
 * bodies) refer to. Names a subgraph defines itself are included too; over-counting only keeps more alive.
 */
export function namesReadBy(node: NodeProto): string[] {
  const names = node.input.filter((name) => name !== '');
  for (const attribute of node.attribute) {
    const subgraphs = attribute.g !== null ? [attribute.g, ...attribute.graphs] : attribute.graphs;
    for (const subgraph of subgraphs) {
      for (const inner of subgraph.node) names.push(...namesReadBy(inner));
      for (const output of subgraph.output) names.push(output.name);
    }
  }
  return names;
}

/**
 * The nodes `targets` depend on, in their original (topological) order. Nodes that feed nothing the
 * targets need are dropped: dead branches of the source model, and the constants of a removed head.
 */
export function liveNodes(nodes: readonly NodeProto[], targets: readonly string[]): NodeProto[] {
  const producers = new Map<string, NodeProto>();
  for (const node of nodes) for (const output of node.output) if (output !== '') producers.set(output, node);
  const live = new Set<NodeProto>();
  const pending = [...targets];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const producer = producers.get(name);
    if (producer === undefined || live.has(producer)) continue;
    live.add(producer);
    pending.push(...namesReadBy(producer));
  }
  return nodes.filter((node) => live.has(node));
}

export class GraphIndex {
  readonly producers = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly initializers = new Map<string, TensorProto>();
  readonly valueInfos = new Map<string, ValueInfoProto>();
  readonly graphInputs: ValueInfoProto[];
  readonly graphOutputNames: Set<string>;

  /** Indexes the nodes that `graph`'s outputs depend on; dead nodes are left out. */
  constructor(readonly graph: GraphProto) {
    this.graphOutputNames = new Set(graph.output.map((output) => output.name));
    for (const node of liveNodes(graph.node, [...this.graphOutputNames])) {
      for (const output of node.output) if (output !== '') this.producers.set(output, node);
      for (const name of namesReadBy(node)) {
        const readers = this.consumers.get(name);
        if (readers === undefined) this.consumers.set(name, [node]);
        else if (!readers.includes(node)) readers.push(node);
      }
    }
    for (const tensor of graph.initializer) this.initializers.set(tensor.name, tensor);
    for (const info of [...graph.input, ...graph.output, ...graph.value_info]) {
      if (!this.valueInfos.has(info.name)) this.valueInfos.set(info.name, info);
    }
    this.graphInputs = graph.input.filter((input) => !this.initializers.has(input.name));
  }

  consumersOf(name: string): NodeProto[] {
    return this.consumers.get(name) ?? [];
  }

  /**
   * The tensor behind `name` when it is a constant: an initializer or the output of a Constant node
   * (`value`, `value_float(s)`, `value_int(s)`). Null when it is computed, a graph input, or a Constant of
   * another kind (sparse, strings).
   */
  constantTensor(name: string): TensorProto | null {
    const initializer = this.initializers.get(name);
    if (initializer !== undefined) return initializer;
    const producer = this.producers.get(name);
    if (producer === undefined || !isStandardOp(producer, 'Constant')) return null;
    const tensorValue = findAttribute(producer, 'value');
    if (tensorValue !== undefined && tensorValue.t !== null) return tensorValue.t;
    const floatValue = findAttribute(producer, 'value_float');
    if (floatValue !== undefined) {
      return createMessage('TensorProto', {
        name,
        dims: [],
        data_type: TensorDataType.FLOAT,
        float_data: [floatValue.f],
      });
    }
    const floatsValue = findAttribute(producer, 'value_floats');
    if (floatsValue !== undefined && floatsValue.type === AttributeType.FLOATS) {
      return createMessage('TensorProto', {
        name,
        dims: [floatsValue.floats.length],
        data_type: TensorDataType.FLOAT,
        float_data: [...floatsValue.floats],
      });
    }
    const intValue = findAttribute(producer, 'value_int');
    if (intValue !== undefined) {
      return createMessage('TensorProto', {
        name,
        dims: [],
        data_type: TensorDataType.INT64,
        int64_data: [intValue.i],
      });
    }
    const intsValue = findAttribute(producer, 'value_ints');
    if (intsValue !== undefined && intsValue.type === AttributeType.INTS) {
      return createMessage('TensorProto', {
        name,
        dims: [intsValue.ints.length],
        data_type: TensorDataType.INT64,
        int64_data: [...intsValue.ints],
      });
    }
    // sparse_value and the string forms: not something a dense layer or a shape can be read from.
    return null;
  }
}
