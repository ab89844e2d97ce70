// Checks a scenario's expectations: on a program's output and exit code, and on what the
// hosts show right now (sockets, NAT translations, processes). Each check returns the
// reasons it failed, in words that say what was expected and what was seen.
import type { ExecResult } from '../runtime/runtime.js';
import type { ExpectationValue, OutputExpectationValue, TextExpectationValue } from '../scenario/schema.js';
import { parseNetstat, type SocketRecord } from '../observe/netstat.js';
import { parseConntrack, type ConntrackFlow } from '../observe/conntrack.js';
import { parsePs } from '../observe/ps.js';
import { endpointText, matchesPattern } from '../observe/endpoint.js';
import { PARSEABLE } from '../observe/commands.js';
import type { Lab } from './lab.js';
import type { ObservationLog } from '../observe/observation-log.js';

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const excerpt = (text: string) => {
  const trimmed = text.trim();
  if (!trimmed) return '(nothing)';
  return trimmed.length > 300 ? `${JSON.stringify(trimmed.slice(0, 300))}...` : JSON.stringify(trimmed);
};

export function checkText(name: string, text: string, expectation: TextExpectationValue): string[] {
  const spec = typeof expectation === 'string' ? { contains: expectation } : expectation;
  const failures: string[] = [];
  for (const needle of list(spec.contains)) {
    if (!text.includes(needle)) failures.push(`${name} does not contain ${JSON.stringify(needle)}; it was ${excerpt(text)}`);
  }
  for (const needle of list(spec.not_contains)) {
    if (text.includes(needle)) failures.push(`${name} contains ${JSON.stringify(needle)}, which it must not; it was ${excerpt(text)}`);
  }
  if (spec.regex !== undefined && !new RegExp(spec.regex, 'm').test(text)) {
    failures.push(`${name} does not match /${spec.regex}/; it was ${excerpt(text)}`);
  }
  if (spec.lines !== undefined) {
    const count = text.split('\n').filter((line) => line.trim() !== '').length;
    if (count !== spec.lines) failures.push(`${name} has ${count} line(s), expected ${spec.lines}`);
  }
  return failures;
}

export function checkOutput(result: ExecResult, expectation: OutputExpectationValue | undefined, defaultExit?: number): string[] {
  const failures: string[] = [];
  const exit = expectation?.exit ?? defaultExit;
  if (exit !== undefined && result.exitCode !== exit) {
    const stderr = result.stderr.trim() ? `; stderr: ${excerpt(result.stderr)}` : '';
    failures.push(`exit code was ${result.exitCode}, expected ${exit}${stderr}`);
  }
  if (expectation?.stdout !== undefined) failures.push(...checkText('stdout', result.stdout, expectation.stdout));
  if (expectation?.stderr !== undefined) failures.push(...checkText('stderr', result.stderr, expectation.stderr));
  return failures;
}

/** netstat's PID/Program column: the program is matched by name, the PID by placeholder. */
const ownedBy = (socket: SocketRecord, program: string | undefined) => program === undefined || socket.program === program;

function describeSockets(sockets: SocketRecord[]): string {
  if (sockets.length === 0) return 'no sockets';
  return sockets
    .map((s) => `${s.protocol} ${endpointText(s.local)} ${endpointText(s.remote)} ${s.state} ${s.pid ? `${s.pid}/${s.program}` : ''}`.trim())
    .join('; ');
}

function describeFlows(flows: ConntrackFlow[]): string {
  if (flows.length === 0) return 'no tracked connections';
  return flows
    .map((f) => `${f.protocol} ${endpointText(f.original.src)} -> ${endpointText(f.original.dst)} seen as ${endpointText(f.srcAfter)} -> ${endpointText(f.dstAfter)}`)
    .join('; ');
}

async function sockets(lab: Lab, host: string, log?: ObservationLog): Promise<SocketRecord[]> {
  const records = parseNetstat((await lab.exec(host, ['sh', '-c', PARSEABLE.sockets])).stdout);
  log?.addSockets(host, records);
  return records;
}

/** Expectations on live state. `outputs` holds the results of programs by id. */
export async function checkExpectation(
  lab: Lab,
  expectation: ExpectationValue,
  outputs: (id: string) => Promise<ExecResult | undefined>,
  log?: ObservationLog,
): Promise<{ subject: string; failures: string[] }> {
  if ('output' in expectation) {
    const { of, ...rest } = expectation.output;
    const result = await outputs(of);
    if (!result) return { subject: `output of '${of}'`, failures: [`program '${of}' has no output yet`] };
    return { subject: `output of '${of}'`, failures: checkOutput(result, rest) };
  }
  if ('connection' in expectation) {
    const want = expectation.connection;
    const found = (await sockets(lab, want.host, log)).filter(
      (s) =>
        (!want.protocol || s.protocol === want.protocol) &&
        (!want.state || s.state === want.state) &&
        s.state !== 'LISTEN' &&
        matchesPattern(s.local, want.local) &&
        matchesPattern(s.remote, want.remote) &&
        ownedBy(s, want.program),
    );
    const subject = `${want.host}: connection ${want.local} <-> ${want.remote}${want.state ? ` (${want.state})` : ''}`;
    if (want.absent) {
      return { subject: `${subject} absent`, failures: found.length ? [`found ${describeSockets(found)}`] : [] };
    }
    if (found.length > 0) return { subject, failures: [] };
    const all = await sockets(lab, want.host, log);
    return { subject, failures: [`no such connection; ${want.host} has ${describeSockets(all.filter((s) => s.state !== 'LISTEN'))}`] };
  }
  if ('listening' in expectation) {
    const want = expectation.listening;
    const protocol = want.protocol ?? 'tcp';
    const all = await sockets(lab, want.host, log);
    const found = all.filter(
      (s) =>
        s.protocol === protocol &&
        (protocol === 'udp' || s.state === 'LISTEN') &&
        s.local.port === want.port &&
        (!want.address || s.local.ip === want.address || s.local.ip === '0.0.0.0') &&
        ownedBy(s, want.program),
    );
    const subject = `${want.host}: ${want.program ?? 'something'} listening on ${want.address ?? '*'}:${want.port}/${protocol}`;
    const listeners = all.filter((s) => s.state === 'LISTEN' || s.protocol === 'udp');
    return { subject, failures: found.length ? [] : [`nothing listens there; listening: ${describeSockets(listeners)}`] };
  }
  if ('translation' in expectation) {
    const want = expectation.translation;
    const flows = parseConntrack((await lab.exec(want.router, ['sh', '-c', PARSEABLE.conntrack])).stdout);
    log?.addFlows(want.router, flows);
    const found = flows.filter(
      (f) =>
        (!want.protocol || f.protocol === want.protocol) &&
        (!want.src || matchesPattern(f.original.src, want.src)) &&
        (!want.dst || matchesPattern(f.original.dst, want.dst)) &&
        (!want.src_after || matchesPattern(f.srcAfter, want.src_after)) &&
        (!want.dst_after || matchesPattern(f.dstAfter, want.dst_after)),
    );
    const parts = [
      want.src && `from ${want.src}`,
      want.dst && `to ${want.dst}`,
      want.src_after && `source becomes ${want.src_after}`,
      want.dst_after && `destination becomes ${want.dst_after}`,
    ].filter(Boolean);
    const subject = `${want.router}: translation ${parts.join(', ')}`;
    return { subject, failures: found.length ? [] : [`no such translation; ${want.router} tracks ${describeFlows(flows)}`] };
  }
  const want = expectation.process;
  const processes = parsePs((await lab.exec(want.host, ['sh', '-c', PARSEABLE.processes])).stdout).filter(
    (p) => !p.args.startsWith('ps ') && !p.args.startsWith('sh -c ps '),
  );
  const pattern = (want.running ?? want.not_running)!;
  const matching = processes.filter((p) => p.args.includes(pattern));
  if (want.running) {
    return {
      subject: `${want.host}: process '${pattern}' running`,
      failures: matching.length ? [] : [`no process matches; running: ${processes.map((p) => p.args).join('; ')}`],
    };
  }
  return {
    subject: `${want.host}: no process '${pattern}'`,
    failures: matching.length ? [`found: ${matching.map((p) => `${p.pid} ${p.args}`).join('; ')}`] : [],
  };
}
