// Programs that steps run: TypeScript is bundled with esbuild into one plain JavaScript file
// (the lab image has Node 18 and no TypeScript toolchain); .js and .py files go in as they are.
// Each program is copied once per host, to /lab/programs/, before the steps start.
//
// Bundling reads files on this machine, and a program's `import` could name any of them:
// the bundler may read only the scenario's folder, socklab's own programs and the folders a
// grading run adds (a student's; by real path, after links), and no tsconfig.json from
// folders above; anything else fails the bundle.
import type { BuildOptions, Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { PROGRAMS_DIR_IN_HOST } from '../in-host/contract.js';
import { isInside, localFileProblem } from '../scenario/local-files.js';
import { visitSteps, type ProgramRef, type ProgramStep, type Step } from '../scenario/model.js';
import { MAX_PROGRAM_BYTES } from '../scenario/program-path.js';
import { BUNDLED_PROGRAMS_DIR } from '../util/paths.js';
import type { FileToCopy } from '../runtime/runtime.js';

export interface PreparedProgram {
  /** The source file on this machine (its real path). */
  source: string;
  /** Where the runnable file goes in the host. */
  pathInHost: string;
  content: Buffer;
  /** argv prefix that runs it: node FILE or python3 -u FILE. */
  interpreter: string[];
}

/** A bundle larger than this comes from importing far more than a lesson program needs. */
const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

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
  // Not read from the folders above the program: a tsconfig there could map imports anywhere.
  tsconfigRaw: '{}',
} as const satisfies BuildOptions;

/** Fails the bundle for any file outside `roots` (real paths): the scenario's folder, socklab's programs, then any others. */
export function onlyInside(roots: string[]): Plugin {
  const realRoots = roots.map((root) => {
    try {
      return realpathSync(root);
    } catch {
      return root;
    }
  });
  return {
    name: 'socklab-only-inside',
    setup(build) {
      build.onLoad({ filter: /.*/ }, (args) => {
        let real: string;
        try {
          real = realpathSync(args.path);
        } catch {
          return undefined; // esbuild reports the missing file itself
        }
        if (realRoots.some((root) => isInside(root, real))) return undefined;
        return {
          errors: [
            {
              text: `${real} is outside the scenario's folder and socklab's programs${realRoots.length > 2 ? ` (and ${realRoots.slice(2).join(', ')})` : ''}; a program may only import files from there (and node's own modules)`,
            },
          ],
        };
      });
    },
  };
}

export class ProgramLibrary {
  private readonly prepared = new Map<string, Promise<PreparedProgram>>();
  private readonly namesInHost = new Map<string, string>(); // name in host -> source

  /** `extraRoots`: folders besides the scenario's and socklab's programs that programs may be read from. */
  constructor(
    private readonly scenarioDir: string,
    private readonly extraRoots: readonly string[] = [],
  ) {}

  /** Prepares (bundles) a step's program once, however many steps run it. */
  prepare(program: FileProgram): Promise<PreparedProgram> {
    const { location } = program;
    if (location.kind !== 'found') return Promise.reject(new Error(localFileProblem('program', program.written, location, MAX_PROGRAM_BYTES)));
    let pending = this.prepared.get(location.path);
    if (!pending) {
      pending = this.load(location.path, program.installAs);
      this.prepared.set(location.path, pending);
    }
    return pending;
  }

  /** Prepares every program the steps use, e.g. while the lab comes up. */
  async prepareAll(steps: readonly Step[]): Promise<void> {
    await Promise.all([...programsByHost(steps).values()].flatMap((programs) => programs.map((program) => this.prepare(program))));
  }

  private async load(source: string, installAs?: string): Promise<PreparedProgram> {
    const extension = extname(source);
    const runnableName = this.uniqueName(source, installAs ?? basename(source, extension), extension === '.py' ? '.py' : '.js');
    const pathInHost = `${PROGRAMS_DIR_IN_HOST}/${runnableName}`;
    if (extension === '.py') {
      return { source, pathInHost, content: await readFile(source), interpreter: ['python3', '-u', pathInHost] };
    }
    const content = extension === '.ts' ? await bundle(source, [this.scenarioDir, BUNDLED_PROGRAMS_DIR, ...this.extraRoots]) : await readFile(source);
    return { source, pathInHost, content, interpreter: ['node', pathInHost] };
  }

  /** Keeps the program's own name (it shows in `ps`), adding a hash only on a clash. */
  private uniqueName(source: string, stem: string, extension: string): string {
    let name = stem + extension;
    const owner = this.namesInHost.get(name);
    if (owner && owner !== source) {
      const hash = createHash('sha256').update(source).digest('hex').slice(0, 6);
      name = `${stem}-${hash}${extension}`;
    }
    this.namesInHost.set(name, source);
    return name;
  }
}

export type FileProgram = Extract<ProgramRef, { kind: 'file' }>;

/** The program files each host runs, over all steps (nested ones included), each file once per host. */
export function programsByHost(steps: readonly Step[]): Map<string, FileProgram[]> {
  const perHost = new Map<string, Map<string, FileProgram>>();
  const note = ({ host, program }: ProgramStep) => {
    if (program?.kind !== 'file') return;
    const key = program.location.kind === 'found' ? program.location.path : program.written;
    const programs = perHost.get(host) ?? new Map<string, FileProgram>();
    programs.set(key, program);
    perHost.set(host, programs);
  };
  visitSteps(steps, { start: note, run: note });
  return new Map([...perHost].map(([host, programs]) => [host, [...programs.values()]]));
}

/** Copies every program the steps use into the hosts that run it (before the first step). */
/**
 * Each host's program files, bundled, for Lab.up to copy with the host's other files while
 * the host is set up. A host that runs no program gets none.
 */
export function programFiles(library: ProgramLibrary, steps: readonly Step[]): (host: string) => Promise<FileToCopy[]> {
  const byHost = programsByHost(steps);
  return async (host) => {
    const prepared = await Promise.all((byHost.get(host) ?? []).map((program) => library.prepare(program)));
    return prepared.map((program) => ({ path: program.pathInHost, content: program.content, mode: 0o755 }));
  };
}

/** A program that does not build (a syntax error, an import that cannot be found), with where, when esbuild says. */
export class BundleError extends Error {
  override name = 'BundleError';
  constructor(
    readonly entry: string,
    readonly text: string,
    readonly at?: { file: string; line: number; column: number },
    cause?: unknown,
  ) {
    super(`bundling ${entry} failed: ${at ? `${at.file}:${at.line}:${at.column}: ` : ''}${text}`, { cause });
  }
}

async function bundle(entry: string, roots: string[]): Promise<Buffer> {
  let result;
  try {
    // Loaded on first use: a lesson of commands and Python needs no bundler in memory.
    const { build } = await import('esbuild');
    result = await build({ ...BUNDLE_OPTIONS, entryPoints: [entry], write: false, plugins: [onlyInside(roots)] });
  } catch (error) {
    const messages = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors ?? [];
    const first = messages[0];
    const at = first?.location ? { file: first.location.file, line: first.location.line, column: first.location.column + 1 } : undefined;
    throw new BundleError(entry, first?.text ?? (error as Error).message, at, error);
  }
  const output = result.outputFiles[0];
  if (!output) throw new Error(`bundling ${entry} produced no output`);
  if (output.contents.length > MAX_BUNDLE_BYTES)
    throw new Error(`bundling ${entry} gave ${(output.contents.length / 1024 / 1024).toFixed(0)} MB; a lesson program's bundle is at most 32 MB`);
  return Buffer.from(output.contents);
}
