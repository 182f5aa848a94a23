#!/usr/bin/env python3
"""The machine code (SASS) of a pipeline from an NVIDIA Vulkan pipeline cache blob.

pipeline_stats.py --cache-dir DIR writes each module's vkGetPipelineCacheData blob. On the NVIDIA 580 driver the
blob is a small header and a zstd frame; inside it, an "NVDA" container holds the NVVM IR and the compiled code, a
run of 16-byte Hopper instructions that ends in EXIT, a branch to itself and NOP padding. This finds that run (its
start is the container's u32 at byte 48 plus 24; its end the padding's), writes it as BLOB.code and disassembles it
with the CUDA toolkit's nvdisasm as a raw binary (`-b SM90`; on the H200 host under /usr/local/cuda/bin), writing
BLOB.sass and printing a count of instructions by opcode. Decompression uses the `zstd` command. A .code file given
instead of a blob is disassembled as it is. Standard library only; the layout is the driver's and undocumented, so
every step checks what it expects and says what it found instead.

    python3 scripts/gpu-host/sass.py [--nvdisasm PATH] [--arch SM90] [--extract-only] BLOB_OR_CODE ...

Exit status 0 when every input gave a disassembly (or, with --extract-only, its code), 1 otherwise.
"""

import argparse
import collections
import re
import shutil
import struct
import subprocess
import sys

ZSTD_MAGIC = bytes.fromhex('28b52ffd')
CONTAINER_MAGIC = b'NVDANVVM'
EXIT = bytes.fromhex('4d79000000000000')
NOP = bytes.fromhex('1879000000000000')
INSTRUCTION_BYTES = 16
# An instruction line of nvdisasm's output: /*0070*/  IMAD.MOV.U32 R1, RZ, RZ, c[0x0][0x28] ;
INSTRUCTION = re.compile(r'/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)')


class SassError(Exception):
    """A blob is not laid out as expected, or a tool is missing; the message says what was found."""


def decompress(blob):
    """The container inside a pipeline cache blob (a zstd frame after the driver's header)."""
    at = blob.find(ZSTD_MAGIC)
    if at < 0:
        raise SassError(f'no zstd frame in {len(blob)} bytes (head: {blob[:32].hex()})')
    zstd = shutil.which('zstd')
    if not zstd:
        raise SassError('the zstd command is missing (Debian package zstd); extract here, disassemble the .code there')
    result = subprocess.run([zstd, '-d', '-q', '-c'], input=blob[at:], capture_output=True)
    if result.returncode != 0:
        raise SassError(f'zstd: {result.stderr.decode(errors="replace").strip()}')
    return result.stdout


def code_region(container):
    """The compiled instructions in an NVDA container: from the u32 at byte 48 plus 24 to the end of the NOP padding
    after the first EXIT (checked: 16-byte aligned run, EXIT inside it)."""
    if not container.startswith(CONTAINER_MAGIC):
        raise SassError(f'not an NVDA container (head: {container[:16].hex()})')
    start = struct.unpack_from('<I', container, 48)[0] + 24
    end = container.find(EXIT, start)
    if end < 0 or (end - start) % INSTRUCTION_BYTES:
        raise SassError(f'no EXIT on an instruction boundary after byte {start}')
    end += INSTRUCTION_BYTES
    while end < len(container) and container[end:end + len(NOP)] != NOP and end - start < 1 << 24:
        end += INSTRUCTION_BYTES  # the branch to itself after EXIT
    while container[end:end + len(NOP)] == NOP:
        end += INSTRUCTION_BYTES
    return container[start:end]


def opcode_counts(sass):
    """Instructions by opcode (the first dotted word: IMAD.SHL.U32 counts as IMAD)."""
    counts = collections.Counter()
    for line in sass.splitlines():
        match = INSTRUCTION.search(line)
        if match:
            counts[match.group(1).split('.')[0]] += 1
    return counts


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('inputs', nargs='+', metavar='BLOB_OR_CODE')
    parser.add_argument('--nvdisasm', default=shutil.which('nvdisasm') or '/usr/local/cuda/bin/nvdisasm')
    parser.add_argument('--arch', default='SM90', help="nvdisasm's -b value (default SM90, the H200)")
    parser.add_argument('--extract-only', action='store_true', help='write the .code files, disassemble nothing')
    args = parser.parse_args(argv)
    status = 0
    for path in args.inputs:
        try:
            with open(path, 'rb') as source:
                data = source.read()
            if path.endswith('.code'):
                code, code_path = data, path
            else:
                code, code_path = code_region(decompress(data)), f'{path}.code'
                with open(code_path, 'wb') as target:
                    target.write(code)
            if args.extract_only:
                print(f'== {path}: {len(code)} bytes of code in {code_path}')
                continue
            command = [args.nvdisasm, '-b', args.arch, '-hex', code_path]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise SassError(f'nvdisasm: {result.stderr.strip()}')
            with open(f'{code_path}.sass', 'w') as target:
                target.write(result.stdout)
            counts = opcode_counts(result.stdout)
            print(f'== {path}: {len(code)} bytes, {sum(counts.values())} instructions')
            print('   ' + ', '.join(f'{name} {count}' for name, count in counts.most_common()))
        except (OSError, SassError) as error:
            print(f'== {path}: error: {error}')
            status = 1
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
