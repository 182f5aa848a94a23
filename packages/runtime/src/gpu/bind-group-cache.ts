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

function emptyNode(): CacheNode {
  return { next: new WeakMap(), groups: new Map() };
}

export class BindGroupCache {
  private readonly root = emptyNode();

  /**
   * The bind group cached under `keys` (the objects it binds, in a fixed order) and `tag` (anything else it
   * depends on, e.g. sizes), made by `create` on first use.
   */
  get(keys: readonly object[], tag: string, create: () => GPUBindGroup): GPUBindGroup {
    let node = this.root;
    for (const key of keys) {
      let child = node.next.get(key);
      if (!child) {
        child = emptyNode();
        node.next.set(key, child);
      }
      node = child;
    }
    let group = node.groups.get(tag);
    if (!group) {
      group = create();
      node.groups.set(tag, group);
    }
    return group;
  }
}
