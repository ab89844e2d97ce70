// Bundles the lab programs: one CommonJS file per program (esbuild, platform node,
// target node18) that runs with the plain `node` of the lab image, no node_modules.
// The esbuild options are the lab's own (src/lab/programs.ts). Used by programs.test.ts:
//   const files = await bundlePrograms('/tmp/out');  // { 'tcp-hello-server': '/tmp/out/tcp-hello-server.cjs', ... }
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../src/lab/programs.js';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROGRAMS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Every program, by the name it is bundled and run under. */
export const PROGRAM_NAMES = [
  'tcp-hello-server',
  'tcp-hello-client',
  'udp-hello-server',
  'udp-hello-client',
  'tcp-echo-server',
  'tcp-echo-client',
  'udp-counter-server',
  'udp-counter-client',
  'tcp-exchange-server',
  'tcp-exchange-client',
  'udp-echo-server',
  'udp-echo-client',
  'udp-five-server',
  'udp-five-client',
  'proto-server',
  'proto-client',
  'chat-server',
  'udp-rendezvous',
  'udp-punch',
  'chat-client',
  'file-send',
  'file-receive',
  'ports-server',
  'ports-client',
] as const;
export type ProgramName = (typeof PROGRAM_NAMES)[number];

/** The seeds' original Python programs, in programs/python/, run as `python3 -u FILE [server-ip]`. */
export const PYTHON_PROGRAMS = [
  'seed000_udp_server.py',
  'seed000_udp_client.py',
  'seed000_tcp_server.py',
  'seed000_tcp_client.py',
  'seed001_udp_server.py',
  'seed001_udp_client.py',
  'seed003_tcp_server.py',
  'seed003_tcp_client.py',
  'seed003_udp_server.py',
  'seed003_udp_client.py',
  'seed004_server_tcp.py',
  'seed004_client_tcp.py',
  'seed004_server_udp.py',
  'seed004_client_udp.py',
] as const;

/**
 * Bundle `names` (default: all) into `outDir` as `<name><ext>` (ext `.cjs` by default so
 * the files stay CommonJS wherever they are copied). Returns name -> absolute path.
 */
export async function bundlePrograms(outDir: string, names: readonly ProgramName[] = PROGRAM_NAMES, ext = '.cjs'): Promise<Record<ProgramName, string>> {
  await build({
    entryPoints: names.map((n) => ({ in: path.join(PROGRAMS_DIR, `${n}.ts`), out: n })),
    outdir: outDir,
    outExtension: { '.js': ext },
    ...BUNDLE_OPTIONS,
  });
  const out = {} as Record<ProgramName, string>;
  for (const n of names) out[n] = path.resolve(outDir, `${n}${ext}`);
  return out;
}
