// Streaming probes for the bandwidth ceiling (bench/lib/probes.ts): a grid-stride vec4 copy, and a read-only
// pass that folds every word into one value per invocation (written out, so the reads cannot be dropped).

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> source: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> destination: array<vec4<u32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn copy_stream(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) grid: vec3u) {
  let stride = grid.x * WORKGROUP_SIZE;
  let count = arrayLength(&source);
  for (var i = id.x; i < count; i += stride) {
    destination[i] = source[i];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn read_stream(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) grid: vec3u) {
  let stride = grid.x * WORKGROUP_SIZE;
  let count = arrayLength(&source);
  var folded = vec4<u32>();
  for (var i = id.x; i < count; i += stride) {
    folded ^= source[i];
  }
  destination[id.x] = folded;
}
