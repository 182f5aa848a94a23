// Eight inputs per batch tile of pq_table8.wgsl (the tile width where the device allows more than 32 KiB of
// workgroup memory: 16 segments × 256 codes × 8 bytes, plus the build's bookkeeping). sources.ts joins this file
// or table8_entry4.wgsl in front of pq_table8.wgsl, which reads the tile only through these names.

// Inputs whose 8-bit entries share one table entry (one workgroup-memory read serves them all).
// 8-bit entries (table32_entry1.wgsl keeps float32 ones).
const TABLE_INPUTS = 8u;
// One code's entries for the tile's inputs: byte b % 4 of word b / 4 is input b's.
alias TableEntry = vec2<u32>;
// A row's sums per input in 16-bit lanes: word 2 (b / 4) + b % 2, half (b / 2) % 2 (add_entry says why).
alias TableSums = vec4<u32>;

// The 8-bit levels packed as the tile holds them (`value`, the float32 entry, serves table32_entry1.wgsl).
fn table_entry(words: vec2<u32>, value: f32) -> TableEntry {
  return words;
}

// Adds an entry's eight bytes into four u32 accumulators, two inputs per word: the even bytes of a word (inputs
// 0 and 2 of its quad) in one, the odd ones in the next. 16 segments × 255 ≤ 4080 keeps each lane below 2^16.
fn add_entry(sums: ptr<function, TableSums>, entry: TableEntry) {
  (*sums)[0] += entry.x & 0x00ff00ffu;
  (*sums)[1] += (entry.x >> 8u) & 0x00ff00ffu;
  (*sums)[2] += entry.y & 0x00ff00ffu;
  (*sums)[3] += (entry.y >> 8u) & 0x00ff00ffu;
}

// Input b's integer sum: word 2 (b / 4) + b % 2, half (b / 2) % 2 (add_entry).
fn input_sum(sums: TableSums, b: u32) -> u32 {
  return (sums[2u * (b / 4u) + b % 2u] >> (16u * ((b / 2u) % 2u))) & 0xffffu;
}

// Float32 halves of paired tables (pq_table8.wgsl PAIRED_CODES), two to an entry past the tile's entries.
const HALVES_PER_ENTRY = 2u;

fn half_store(index: u32, value: f32) {
  tile[HALF_BASE + index / 2u][index % 2u] = bitcast<u32>(value);
}

fn half_load(index: u32) -> f32 {
  return bitcast<f32>(tile[HALF_BASE + index / 2u][index % 2u]);
}
