/**
 * Reading what Dawn's `dump_shaders` toggle prints (bench/pipelines.ts): each compute pipeline's WGSL and then its
 * SPIR-V disassembly, after the pipeline's override constants were substituted, each message under a log-level
 * line ("info:") of the Node binding. Pure text handling, unit-tested.
 */

/** The line Dawn puts before a SPIR-V disassembly. */
export const SPIRV_DUMP_HEADER = '/* Dumped SPIRV disassembly */';
/**
 * A Dawn message starts with its kind alone on a line (the Node binding's format): a log level, or the type of an
 * uncaptured GPU error (say "validation:", where a layer's buffers exceed the device's limits after its pipelines
 * were dumped). No line of SPIR-V assembly looks like one.
 */
const MESSAGE_KIND_LINE = /^(info|warning|error|verbose|debug|validation|out-of-memory|internal|unknown):$/;
// Dawn names every entry point "dawn_entry_point"; with its `disable_symbol_renaming` toggle the entry point's
// function keeps the WGSL name, which is what says which kernel a module is.
const ENTRY_POINT = /^\s*OpEntryPoint\s+GLCompute\s+%(\S+)\s+"([^"]+)"/m;

// Enumerants Dawn emits that Debian 12's spirv-as (SPIRV-Tools 2023.1) does not know by name, as the literal
// words its `!` syntax writes: the binary is the same. Dawn marks entry points MaximallyReconvergesKHR on drivers
// with VK_KHR_shader_maximal_reconvergence (the NVIDIA driver of the H200 host).
const NEWER_ENUMERANTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bMaximallyReconvergesKHR\b/g, '!6023'],
];

/** `assembly` with enumerants newer than Debian 12's assembler written as literal words (NEWER_ENUMERANTS). */
export function forOlderAssembler(assembly: string): string {
  return NEWER_ENUMERANTS.reduce((text, [name, word]) => text.replace(name, word), assembly);
}

export interface DumpedModule {
  /** The WGSL entry point the module was made from, e.g. gather_banked_fused_vec4. */
  entryPoint: string;
  /** SPIR-V assembly as spirv-as reads it (Dawn's header comment line left out, forOlderAssembler applied). */
  assembly: string;
}

/**
 * Every SPIR-V module in `output` (a process's whole stdout), in the order Dawn printed them. A module ends at the
 * next message-kind line, the next dump, or a line for which `isForeign` holds (the caller's own output).
 */
export function parseSpirvDumps(
  output: string,
  isForeign: (line: string) => boolean = () => false,
): DumpedModule[] {
  const modules: DumpedModule[] = [];
  let current: string[] | null = null;
  const finish = (): void => {
    if (!current) return;
    const assembly = forOlderAssembler(`${current.join('\n').trimEnd()}\n`);
    const entry = ENTRY_POINT.exec(assembly);
    if (entry?.[1]) modules.push({ entryPoint: entry[1], assembly });
    current = null;
  };
  for (const line of output.split('\n')) {
    if (line.trim() === SPIRV_DUMP_HEADER) {
      finish();
      current = [];
    } else if (MESSAGE_KIND_LINE.test(line.trim()) || isForeign(line)) {
      finish();
    } else if (current) {
      current.push(line);
    }
  }
  finish();
  return modules;
}

/** A file-name-safe form of a label: lower case, runs of other characters as one '-'. */
export function fileSlug(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9=.]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'pipeline'
  );
}
