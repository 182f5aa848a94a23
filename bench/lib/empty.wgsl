// An empty compute shader: timing one dispatch of it gives the fixed cost of a dispatch (bench/lib/probes.ts).
@compute @workgroup_size(1)
fn main() {}
