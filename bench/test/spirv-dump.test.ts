import { describe, expect, it } from 'vitest';
import { OptionsError } from '../lib/options';
import { fileSlug, forOlderAssembler, parseSpirvDumps, SPIRV_DUMP_HEADER } from '../lib/spirv-dump';
import { parsePipelinesOptions, pipelineSpecs } from '../pipelines';

function module(name: string): string {
  return [
    '; SPIR-V',
    '; Version: 1.4',
    '               OpCapability Shader',
    `               OpEntryPoint GLCompute %${name} "dawn_entry_point" %1`,
    `    %${name} = OpFunction %void None %3`,
    '               OpFunctionEnd',
  ].join('\n');
}

describe('parseSpirvDumps', () => {
  it("finds each dumped module by its WGSL entry point, between Dawn's log lines and the caller's own", () => {
    const output = [
      'info:',
      '// Dumped WGSL:',
      '@compute @workgroup_size(1) fn gather_banked() {}',
      'info:',
      SPIRV_DUMP_HEADER,
      module('gather_banked'),
      'warning:',
      'something else Dawn said',
      SPIRV_DUMP_HEADER,
      module('reduce_slots'),
      'MARKER {"variant":"fused-banked"}',
      'trailing text',
    ].join('\n');
    const modules = parseSpirvDumps(output, (line) => line.startsWith('MARKER'));
    expect(modules.map((dumped) => dumped.entryPoint)).toEqual(['gather_banked', 'reduce_slots']);
    expect(modules[0]?.assembly).toBe(`${module('gather_banked')}\n`);
    expect(modules[1]?.assembly).not.toContain('MARKER');
    expect(modules[1]?.assembly).not.toContain('trailing');
  });

  it("ends a module at an uncaptured GPU error's message (the dense child of a layer too large for the device)", () => {
    // What the child printed on SwiftShader for a 16384² dense layer: its pipeline dumped, then its 1 GiB buffer refused.
    const output = [
      SPIRV_DUMP_HEADER,
      module('dense_tiled'),
      'validation:',
      '[Invalid Buffer "16384x16384 b8 dense/weight"] is invalid due to a previous error.',
      ' - While calling [Device "pqweb-node"].CreateBindGroup([BindGroupDescriptor ""dense""]).',
      'out-of-memory:',
      'no memory',
    ].join('\n');
    const modules = parseSpirvDumps(output);
    expect(modules.map((dumped) => dumped.entryPoint)).toEqual(['dense_tiled']);
    expect(modules[0]?.assembly).toBe(`${module('dense_tiled')}\n`);
  });

  it('skips a dump without an entry point and output without dumps', () => {
    expect(parseSpirvDumps(`${SPIRV_DUMP_HEADER}\n; SPIR-V\n               OpCapability Shader\n`)).toEqual(
      [],
    );
    expect(parseSpirvDumps('info:\nno shaders here\n')).toEqual([]);
  });

  it("writes enumerants newer than Debian 12's spirv-as as literal words, in dumps and alone", () => {
    // What Dawn printed on the H200 host (NVIDIA 580 offers VK_KHR_shader_maximal_reconvergence).
    const mode = '               OpExecutionMode %gather_banked MaximallyReconvergesKHR';
    const dumped = parseSpirvDumps(`${SPIRV_DUMP_HEADER}\n${module('gather_banked')}\n${mode}\n`);
    expect(dumped[0]?.assembly).toContain('OpExecutionMode %gather_banked !6023\n');
    expect(dumped[0]?.assembly).not.toContain('Maximally');
    expect(forOlderAssembler(`${mode}\n${mode}`)).toBe(
      `${mode.replace('MaximallyReconvergesKHR', '!6023')}\n${mode.replace('MaximallyReconvergesKHR', '!6023')}`,
    );
    expect(forOlderAssembler('OpExecutionMode %main LocalSize 512 1 1')).toBe(
      'OpExecutionMode %main LocalSize 512 1 1',
    );
  });

  it('makes labels file-name safe', () => {
    expect(fileSlug('16384x16384 b1 pq-d4-k256 auto per-code shifts')).toBe(
      '16384x16384-b1-pq-d4-k256-auto-per-code-shifts',
    );
    expect(fileSlug('  ')).toBe('pipeline');
  });
});

/** bench:pipelines options for the 512×1024 layer at batches 1 and 8 with one tuning row named. */
function smallGridWith(tuning: string) {
  return parsePipelinesOptions(['--shapes', '512x1024', '--batches', '1,8', '--tunings', tuning]);
}

describe('bench:pipelines options and specs', () => {
  it('defaults to the goal shapes and batches, and names each spec as bench:kernels does', () => {
    const options = parsePipelinesOptions([]);
    expect(options.shapes).toEqual(['16384x16384', '4096x4096']);
    expect(options.batches).toEqual([1, 8]);
    const specs = pipelineSpecs(options, 7);
    // 2 shapes × 2 batches × (4 PQ configurations, each auto and on 8-bit tables, and the dense kernel), the
    // defaults' row only.
    expect(specs).toHaveLength(36);
    expect(specs[0]?.label).toBe('16384x16384 b1 pq-d4-k16 auto');
    expect(specs[1]).toMatchObject({ label: '16384x16384 b1 pq-d4-k16 table8', options: { tableBits: 8 } });
    expect(specs[8]).toMatchObject({ label: '16384x16384 b1 dense', d: 0, k: 0, dense: {} });
    expect(specs.every((spec) => spec.seed === 7)).toBe(true);
  });

  it('adds the named tuning rows where their smallest batch allows', () => {
    const options = smallGridWith('per-code shifts');
    const labels = pipelineSpecs(options, 1).map((spec) => spec.label);
    // ' per-code shifts' starts at batch 2.
    expect(labels.filter((label) => label.endsWith('per-code shifts'))).toHaveLength(4);
    expect(labels.filter((label) => label.includes(' b1 ') && label.endsWith('per-code shifts'))).toEqual([]);
    expect(pipelineSpecs(options, 1).find((spec) => spec.label.endsWith('shifts'))?.variants).toEqual([
      'lut-banked',
      'fused-banked',
    ]);
  });

  it('adds the named grouped float32 rows, forced, with their launch options', () => {
    const options = smallGridWith(
      'grouped float32 tables,grouped float32 tables 32-segment groups cached quads',
    );
    const grouped = pipelineSpecs(options, 1).filter((spec) => spec.options.groupedFloatTables === true);
    // Per shape, batch and PQ configuration, the two rows named.
    expect(grouped).toHaveLength(2 * 4 * 2);
    expect(grouped[0]).toMatchObject({
      label: '512x1024 b1 pq-d4-k16 grouped float32 tables',
      options: { groupedFloatTables: true },
    });
    expect(grouped[1]).toMatchObject({
      label: '512x1024 b1 pq-d4-k16 grouped float32 tables 32-segment groups cached quads',
      options: { groupedFloatTables: true, tableGroupSegments: 32, cachedQuads: true },
    });
  });

  it('adds the named dense rows from the batch where they differ from the default', () => {
    const options = smallGridWith('4-row invocations');
    const dense = pipelineSpecs(options, 1).filter((spec) => spec.dense !== undefined);
    expect(dense.map((spec) => spec.label)).toEqual([
      '512x1024 b1 dense',
      '512x1024 b8 dense',
      '512x1024 b8 dense 4-row invocations',
    ]);
    expect(dense[2]?.dense).toEqual({ batchKernel: 'tiled', tiledRowsPerInvocation: 4 });
  });

  it('rejects unknown options, tuning rows and batches with a usage error', () => {
    expect(() => parsePipelinesOptions(['--fast'])).toThrow(OptionsError);
    expect(() => parsePipelinesOptions(['--tunings', 'no such row'])).toThrow(/no tuning row "no such row"/);
    expect(() => parsePipelinesOptions(['--batches', '1,0'])).toThrow(/positive integers/);
    expect(() => parsePipelinesOptions(['--out-dir'])).toThrow(/--out-dir/);
    expect(() => parsePipelinesOptions(['extra'])).toThrow(OptionsError);
  });
});
