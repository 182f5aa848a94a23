import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compressCommandFromStartScript, ModelSetupError, START_SCRIPT } from '../e2e/model';

const SCRIPT = `#!/usr/bin/env bash
set -euo pipefail
model=apps/demo/public/models/m.pqw
mkdir -p "$(dirname "$model")"
pnpm --silent pqweb compress models/reference/m.onnx -o "$model" \\
  --method pq --bits 4 --quiet
echo done
`;

describe('the compress command of scripts/start.sh', () => {
  it('joins continuation lines and puts the model path in for $model', () => {
    expect(compressCommandFromStartScript(SCRIPT)).toEqual({
      modelPath: 'apps/demo/public/models/m.pqw',
      argv: [
        'pnpm',
        '--silent',
        'pqweb',
        'compress',
        'models/reference/m.onnx',
        '-o',
        'apps/demo/public/models/m.pqw',
        '--method',
        'pq',
        '--bits',
        '4',
        '--quiet',
      ],
    });
  });

  it('reads the real script: it writes the model the benchmark loads', () => {
    const { modelPath, argv } = compressCommandFromStartScript(readFileSync(START_SCRIPT, 'utf8'));
    expect(modelPath).toBe('apps/demo/public/models/fashion-vgg.pqw');
    expect(argv.slice(0, 4)).toEqual(['pnpm', '--silent', 'pqweb', 'compress']);
    expect(argv[argv.indexOf('-o') + 1]).toBe(modelPath);
  });

  it('refuses a script it cannot read without guessing', () => {
    expect(() => compressCommandFromStartScript('echo nothing here\n')).toThrow(ModelSetupError);
    expect(() =>
      compressCommandFromStartScript(`model=m.pqw\npnpm pqweb compress in.onnx -o "$model" --bits "$BITS"\n`),
    ).toThrow(/does not expand \(\$BITS\)/);
  });
});
