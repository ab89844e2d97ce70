// The observations a lesson uses constantly, one word each: `socklab netstat HOST`,
// `socklab ps HOST`, `socklab conntrack ROUTER`. They run the very commands the scenario's
// observe steps run (observe/commands.ts), so what a student types shows the same thing.
// `socklab ps` with no host (or with a lab's name) is `socklab status`.
import { OBSERVATION_COMMANDS } from '../../observe/commands.js';
import { shownObservation } from '../../observe/plumbing.js';
import { EXIT } from '../errors.js';
import { findHost, namesLab } from '../../session/labs.js';
import { runInHost } from './exec.js';
import { statusCommand } from './status.js';

export type Shortcut = 'netstat' | 'ps' | 'conntrack';

export async function shortcutCommand(kind: Shortcut, target: string, options: { raw?: boolean } = {}): Promise<number> {
  const { host, lab, inHost } = await findHost(target);
  if (kind === 'conntrack' && host.role !== 'router') {
    process.stderr.write(`note: '${host.name}' is not a router in lab '${lab.scenario}'; its table holds only its own connections\n`);
  }
  // socklab's own observation, with the host's privileges (conntrack needs NET_ADMIN).
  if (kind === 'conntrack' || options.raw) return runInHost(inHost, ['sh', '-c', OBSERVATION_COMMANDS[kind]], { asUser: false });
  // As an observe step shows it: Docker's and socklab's plumbing hidden, and said so.
  const result = await inHost.command(OBSERVATION_COMMANDS[kind], { timeoutMs: OBSERVE_TIMEOUT_MS });
  const shown = shownObservation(kind, result.stdout, '--raw');
  process.stdout.write(shown.text.replace(/\n?$/, '\n'));
  process.stderr.write(result.stderr);
  if (shown.note) process.stderr.write(`${shown.note}\n`);
  if (result.timedOut) process.stderr.write(`(no answer within ${OBSERVE_TIMEOUT_MS / 1000} s: stopped)\n`);
  return result.timedOut ? EXIT.failed : result.exitCode;
}

/** How long a view may take before it is stopped. */
const OBSERVE_TIMEOUT_MS = 10_000;

/** `ps`: status when nothing or a lab is named, processes when a host is. */
export async function psCommand(target: string | undefined, options: { json?: boolean; raw?: boolean }): Promise<number> {
  if (target === undefined) return statusCommand(undefined, options);
  return (await namesLab(target)) ? statusCommand(target, options) : shortcutCommand('ps', target, options);
}
