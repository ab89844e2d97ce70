// Programs that steps run: TypeScript is bundled with esbuild into one plain JavaScript file
// (the lab image has Node 18 and no TypeScript toolchain); .js and .py files go in as they are.
// Each program is copied once per host, to /lab/programs/, before the steps start.
import { build, type BuildOptions } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { resolveProgramPath } from '../scenario/program-path.js';
import type { StepValue } from '../scenario/schema.js';

export const PROGRAMS_DIR_IN_HOST = '/lab/programs';

export interface PreparedProgram {
  /** The source file on this machine. */
  source: string;
  /** Where the runnable file goes in the host. */
  pathInHost: string;
  content: Buffer;
  /** argv prefix that runs it: node FILE or python3 -u FILE. */
  interpreter: string[];
}

/**
 * How lesson programs are bundled: one CommonJS file for the lab image's Node 18 (Debian
 * bookworm's nodejs), with no node_modules beside it. programs/build.ts uses the same.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  logLevel: 'silent',
  legalComments: 'none',
} as const satisfies BuildOptions;

export class ProgramLibrary {
  private readonly prepared = new Map<string, Promise<PreparedProgram>>();
  private readonly namesInHost = new Map<string, string>(); // name in host -> source

  constructor(private readonly scenarioDir: string) {}

  /** Prepares (bundles) a step's program once, however many steps run it. */
  prepare(program: string): Promise<PreparedProgram> {
    const found = resolveProgramPath(program, this.scenarioDir);
    if (found.kind !== 'found') return Promise.reject(new Error(`program '${program}' not found`));
    let pending = this.prepared.get(found.path);
    if (!pending) {
      pending = this.load(found.path);
      this.prepared.set(found.path, pending);
    }
    return pending;
  }

  /** Prepares every program the steps use, e.g. while the lab comes up. */
  async prepareAll(steps: readonly StepValue[]): Promise<void> {
    const names = new Set([...programsByHost(steps).values()].flatMap((set) => [...set]));
    await Promise.all([...names].map((name) => this.prepare(name)));
  }

  private async load(source: string): Promise<PreparedProgram> {
    const extension = extname(source);
    const runnableName = this.uniqueName(source, extension === '.py' ? '.py' : '.js');
    const pathInHost = `${PROGRAMS_DIR_IN_HOST}/${runnableName}`;
    if (extension === '.py') {
      return { source, pathInHost, content: await readFile(source), interpreter: ['python3', '-u', pathInHost] };
    }
    const content = extension === '.ts' ? await bundle(source) : await readFile(source);
    return { source, pathInHost, content, interpreter: ['node', pathInHost] };
  }

  /** Keeps the program's own name (it shows in `ps`), adding a hash only on a clash. */
  private uniqueName(source: string, extension: string): string {
    let name = basename(source, extname(source)) + extension;
    const owner = this.namesInHost.get(name);
    if (owner && owner !== source) {
      const hash = createHash('sha256').update(source).digest('hex').slice(0, 6);
      name = `${basename(source, extname(source))}-${hash}${extension}`;
    }
    this.namesInHost.set(name, source);
    return name;
  }
}

/** Which programs each host runs, over all steps (nested ones included). */
export function programsByHost(steps: readonly StepValue[]): Map<string, Set<string>> {
  const perHost = new Map<string, Set<string>>();
  const visit = (list: readonly StepValue[]) => {
    for (const step of list) {
      if ('parallel' in step) visit(step.parallel);
      if ('capture' in step) visit(step.steps);
      const host = 'start' in step ? step.start : 'run' in step ? step.run : undefined;
      if (host && 'program' in step && step.program) {
        if (!perHost.has(host)) perHost.set(host, new Set());
        perHost.get(host)!.add(step.program);
      }
    }
  };
  visit(steps);
  return perHost;
}

async function bundle(entry: string): Promise<Buffer> {
  const result = await build({ ...BUNDLE_OPTIONS, entryPoints: [entry], write: false });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`bundling ${entry} produced no output`);
  return Buffer.from(output.contents);
}
