// One input per batch tile of pq_table8.wgsl with float32 entries, for its gather_table32: the float32 tables of the
// default path, built and looked up as the 8-bit tables' tile of one input is (codes one byte each, rotated by the
// row; a 16 KiB tile at k = 256, 32 KiB in groups of 32 segments, executor option tableGroupSegments). The exact
// tables in that structure: variant 'grouped-float32', which 'auto' runs at batch 1 on large 8-bit-code layers
// (docs/kernel-attempts.md steps 80–81; plan.ts usesGroupedFloatTables). No quantization: the gather stores each
// entry's value, a row's sum is a float, and the group's (scale, offset) is (1, 0), so the reduce adds the sums as
// they are.

const TABLE_INPUTS = 1u;
alias TableEntry = f32;
alias TableSums = f32;

fn table_entry(words: vec2<u32>, value: f32) -> TableEntry {
  return value;
}

fn add_entry(sums: ptr<function, TableSums>, entry: TableEntry) {
  *sums += entry;
}

// The tile's one input's sum (the reduce converts it with f32(), which leaves a float as it is).
fn input_sum(sums: TableSums, b: u32) -> f32 {
  return sums;
}

// Float32 halves of paired tables (pq_table8.wgsl PAIRED_CODES), one to an entry past the tile's entries.
const HALVES_PER_ENTRY = 1u;

fn half_store(index: u32, value: f32) {
  tile[HALF_BASE + index] = value;
}

fn half_load(index: u32) -> f32 {
  return tile[HALF_BASE + index];
}
