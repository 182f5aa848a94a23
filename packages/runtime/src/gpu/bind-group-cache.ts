/**
 * Bind groups cached by the buffers they bind. createBindGroup costs CPU time on every call (≈30 µs per group
 * through Dawn on the H200 host: a 16384² PQ layer's wall time per run fell from 131 to 70 µs when its two
 * groups were cached), while a classifier calls its layers with the same few buffers every time. Keys are held
 * weakly, so a buffer the caller drops takes its bind groups with it.
 */
interface CacheNode {
  readonly next: WeakMap<object, CacheNode>;
  readonly groups: Map<string, GPUBindGroup>;
}

export class BindGroupCache {
  private readonly root = new WeakMap<object, CacheNode>();

  /**
   * The bind group cached under `keys` (the objects it binds, in a fixed order) and `tag` (anything else it
   * depends on, e.g. sizes), made by `create` on first use.
   */
  get(keys: readonly [object, ...object[]], tag: string, create: () => GPUBindGroup): GPUBindGroup {
    let level = this.root;
    let node: CacheNode | undefined;
    for (const key of keys) {
      node = level.get(key);
      if (!node) {
        node = { next: new WeakMap(), groups: new Map() };
        level.set(key, node);
      }
      level = node.next;
    }
    // keys is non-empty, so the loop ran at least once.
    const leaf = node as CacheNode;
    let group = leaf.groups.get(tag);
    if (!group) {
      group = create();
      leaf.groups.set(tag, group);
    }
    return group;
  }
}
