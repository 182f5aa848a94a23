// Four inputs per batch tile of pq_table8.wgsl (the tile width of devices with 32 KiB of workgroup memory, phones
// and SwiftShader among them: 16 segments × 256 codes × 4 bytes). The twin of table8_entry8.wgsl and
// table8_entry1.wgsl, whose names it defines.

// 8-bit entries (table32_entry1.wgsl keeps float32 ones).
const TABLE_INPUTS = 4u;
// Byte b of the word is input b's entry.
alias TableEntry = u32;
alias TableSums = vec2<u32>;

// The 8-bit levels packed as the tile holds them (`value`, the float32 entry, serves table32_entry1.wgsl).
fn table_entry(words: vec2<u32>, value: f32) -> TableEntry {
  return words.x;
}

fn add_entry(sums: ptr<function, TableSums>, entry: TableEntry) {
  (*sums)[0] += entry & 0x00ff00ffu;
  (*sums)[1] += (entry >> 8u) & 0x00ff00ffu;
}

// Input b's integer sum: word b % 2 (its even or odd bytes), half b / 2.
fn input_sum(sums: TableSums, b: u32) -> u32 {
  return (sums[b % 2u] >> (16u * (b / 2u))) & 0xffffu;
}

// Float32 halves of paired tables (pq_table8.wgsl PAIRED_CODES), one to an entry past the tile's entries.
const HALVES_PER_ENTRY = 1u;

fn half_store(index: u32, value: f32) {
  tile[HALF_BASE + index] = bitcast<u32>(value);
}

fn half_load(index: u32) -> f32 {
  return bitcast<f32>(tile[HALF_BASE + index]);
}
