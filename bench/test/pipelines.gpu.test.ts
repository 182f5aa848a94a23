/**
 * bench:pipelines end to end on this machine's Vulkan (SwiftShader, no GPU): every PQ layer's (auto and on 8-bit
 * tables) and the dense kernel's pipelines are dumped by Dawn, split per kernel and assembled by spirv-as, and the
 * statistics step stops with a clear error because neither SwiftShader nor Debian 12's lavapipe has VK_KHR_pipeline_executable_properties (NVIDIA's
 * driver does: scripts/gpu-host/pipelines.sh). The SPIR-V is kept, and pipeline_stats.py reads its bindings and
 * entry point.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NODE_FLAGS = [
  '--conditions=source',
  '--import',
  'tsx',
  '--import',
  './scripts/register-raw-loader.mjs',
];

describe('bench:pipelines', () => {
  it('dumps and assembles every pipeline, then says why this driver has no statistics', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'pqweb-pipelines-test-'));
    const result = spawnSync(
      process.execPath,
      [...NODE_FLAGS, 'bench/pipelines.ts', '--shapes', '1024x1024', '--batches', '1', '--out-dir', outDir],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toMatch(/no Vulkan device offers VK_KHR_pipeline_executable_properties/);
    expect(result.stderr).toMatch(/the 17 modules' SPIR-V is in .*pipelines-swiftshader-spirv/);
    expect(result.status).toBe(2);

    const spirvDir = join(outDir, 'pipelines-swiftshader-spirv');
    const files = readdirSync(spirvDir).sort();
    // The dense kernel's GEMV at batch 1; every PQ configuration runs 'fused-banked' with its 16-byte table build,
    // then the split-K reduce, and on 8-bit tables their gather and reduce.
    expect(files).toEqual([
      '1024x1024-b1-dense.dense_vec4.spvasm',
      ...['d4-k16', 'd4-k256', 'd8-k16', 'd8-k256'].flatMap((config) => [
        `1024x1024-b1-pq-${config}-auto.gather_banked_fused_vec4.spvasm`,
        `1024x1024-b1-pq-${config}-auto.reduce_slots.spvasm`,
        `1024x1024-b1-pq-${config}-table8.gather_table8.spvasm`,
        `1024x1024-b1-pq-${config}-table8.reduce_table8.spvasm`,
      ]),
    ]);

    const binary = join(outDir, 'reduce.spv');
    const assembled = spawnSync(
      'spirv-as',
      ['--target-env', 'spv1.4', join(spirvDir, files[2] ?? ''), '-o', binary],
      { encoding: 'utf8' },
    );
    expect(assembled.stderr).toBe('');
    expect(assembled.status).toBe(0);
    const read = spawnSync(
      'python3',
      [
        '-c',
        [
          'import json, struct, sys',
          "sys.path.insert(0, 'scripts/gpu-host')",
          'import pipeline_stats',
          "code = open(sys.argv[1], 'rb').read()",
          "words = struct.unpack(f'<{len(code) // 4}I', code)",
          'print(json.dumps([pipeline_stats.spirv_entry_point(words).decode(), pipeline_stats.spirv_bindings(words)]))',
        ].join('\n'),
        binary,
      ],
      { encoding: 'utf8' },
    );
    expect(read.stderr).toBe('');
    // The reduce's uniform block, partial sums, bias and output: Dawn's own binding numbers, in its entry point.
    expect(JSON.parse(read.stdout)).toEqual([
      'dawn_entry_point',
      [
        [0, 6],
        [1, 7],
        [2, 7],
        [3, 7],
      ],
    ]);
  });
});
