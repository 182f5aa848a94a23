// One input per batch tile of pq_table8.wgsl, for batch 1: a tile of 4 would build, sum and store four inputs' bytes
// for one (docs/kernel-attempts.md step 77). Each entry keeps its byte in a u32 of its own, so that a lookup is one
// word read with no byte to extract, and a row's sum is a plain u32 (16 segments × 255 ≤ 4080). The twin of
// table8_entry4.wgsl and table8_entry8.wgsl, whose names it defines.

// 8-bit entries (table32_entry1.wgsl keeps float32 ones).
const TABLE_INPUTS = 1u;
alias TableEntry = u32;
alias TableSums = u32;

// The 8-bit levels packed as the tile holds them (`value`, the float32 entry, serves table32_entry1.wgsl).
fn table_entry(words: vec2<u32>, value: f32) -> TableEntry {
  return words.x;
}

fn add_entry(sums: ptr<function, TableSums>, entry: TableEntry) {
  *sums += entry;
}

// The tile's one input's integer sum.
fn input_sum(sums: TableSums, b: u32) -> u32 {
  return sums;
}

// Float32 halves of paired tables (pq_table8.wgsl PAIRED_CODES), one to an entry past the tile's entries.
const HALVES_PER_ENTRY = 1u;

fn half_store(index: u32, value: f32) {
  tile[HALF_BASE + index] = bitcast<u32>(value);
}

fn half_load(index: u32) -> f32 {
  return bitcast<f32>(tile[HALF_BASE + index]);
}
