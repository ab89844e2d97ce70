// Checks a scenario's expectations: on a program's output and exit code, and on what the
// hosts show right now (sockets, NAT translations, processes). Each check returns the
// reasons it failed, in words that say what was expected and what was seen. What a host
// shows is read with a bounded command, once per host and view for all the expectations of
// one moment: a host too busy to answer (a fork storm, its memory full) is a failed check
// that says so, not a hung run.
import type { DISTINCT, ExpectationValue } from '../scenario/schema.js';
import { parseNetstat, type SocketRecord } from '../observe/netstat.js';
import { parseConntrack, type ConntrackFlow } from '../observe/conntrack.js';
import { parsePs } from '../observe/ps.js';
import { endpointText, matchesPattern } from '../observe/endpoint.js';
import { PARSEABLE } from '../observe/commands.js';
import type { ObservationLog } from '../observe/observation-log.js';
import type { LabAccess } from './lab.js';
import { outputFailures, type OutputSource } from './program-output.js';
import type { PacketCount } from './capture.js';

export type HostReading = { ok: true; text: string } | { ok: false; why: string };

/** Runs one of socklab's observation commands in a host; a failure is a reason, not an exception. */
export async function readHost(lab: LabAccess, host: string, script: string, signal?: AbortSignal): Promise<HostReading> {
  const result = await lab.inHost(host).command(script, { signal });
  if (result.timedOut) return { ok: false, why: `host '${host}' gave no answer within 10 s (is it out of memory or processes?)` };
  return { ok: true, text: result.stdout };
}

/** At most this many items are named in a failure; a host can hold thousands. */
const LISTED = 10;

/** Items joined with '; ', the first LISTED of them, then how many more there were. */
function listed(items: string[]): string {
  const shown = items.slice(0, LISTED).join('; ');
  return items.length > LISTED ? `${shown}; and ${items.length - LISTED} more` : shown;
}

function describeSockets(sockets: SocketRecord[]): string {
  if (sockets.length === 0) return 'no sockets';
  return listed(
    sockets.map((s) => `${s.protocol} ${endpointText(s.local)} ${endpointText(s.remote)} ${s.state} ${s.pid ? `${s.pid}/${s.program}` : ''}`.trim()),
  );
}

function describeFlows(flows: ConntrackFlow[]): string {
  if (flows.length === 0) return 'no tracked connections';
  return listed(
    flows.map(
      (f) =>
        `${f.protocol} ${endpointText(f.original.src)} -> ${endpointText(f.original.dst)} seen as ${endpointText(f.srcAfter)} -> ${endpointText(f.dstAfter)}`,
    ),
  );
}

/** netstat's PID/Program column: the program is matched by name, the PID by placeholder. */
const ownedBy = (socket: SocketRecord, program: string | undefined) => program === undefined || socket.program === program;

export type View = keyof typeof PARSEABLE;

/** What a host shows, read once per moment: `read(host, view)`. */
export type MomentReader = (host: string, view: View) => Promise<HostReading>;

/**
 * One moment of a lab: each host's view (sockets, NAT table, processes) is read once,
 * however many expectations look at it, and logged once for the who-sees-what picture.
 */
export function momentReader(
  lab: LabAccess,
  options: { log?: ObservationLog; signal?: AbortSignal; seen?: ReadonlyMap<string, HostReading>; moment?: string } = {},
): MomentReader {
  const readings = new Map<string, Promise<HostReading>>([...(options.seen ?? [])].map(([key, reading]) => [key, Promise.resolve(reading)]));
  return (host, view) => {
    const key = momentKey(host, view);
    let reading = readings.get(key);
    if (!reading) {
      reading = readHost(lab, host, PARSEABLE[view], options.signal).then((result) => {
        if (result.ok && view === 'sockets') options.log?.addSockets(host, parseNetstat(result.text), options.moment);
        if (result.ok && view === 'conntrack') options.log?.addFlows(host, parseConntrack(result.text), options.moment);
        return result;
      });
      readings.set(key, reading);
    }
    return reading;
  };
}

/** How a moment's readings are keyed: what `seen` holds, read already (by an observe step). */
export const momentKey = (host: string, view: View) => `${host}\0${view}`;

/** The host views an expectation reads: all of a moment's are read at once, before checking. */
export function viewsOf(expectation: ExpectationValue): [string, View][] {
  if ('connection' in expectation) return [[expectation.connection.host, 'sockets']];
  if ('listening' in expectation) return [[expectation.listening.host, 'sockets']];
  if ('translation' in expectation) return [[expectation.translation.router, 'conntrack']];
  if ('process' in expectation) return [[expectation.process.host, 'processes']];
  return [];
}

interface CheckContext {
  /** The output of a program by id, if it has run or is running. */
  outputs: (id: string) => Promise<OutputSource | undefined>;
  read: MomentReader;
  /** Counts the packets of an ended capture (on one of its networks) that match a tcpdump filter. */
  packets?: (capture: string, match: string, network?: string) => Promise<PacketCount | undefined>;
}

async function sockets(context: CheckContext, host: string): Promise<SocketRecord[] | string> {
  const reading = await context.read(host, 'sockets');
  if (!reading.ok) return reading.why;
  return parseNetstat(reading.text);
}

const DISTINCT_WORDS: Record<(typeof DISTINCT)[number], string> = {
  remote_port: 'remote port(s)',
  remote_address: 'remote address(es)',
  remote: 'remote address:port pair(s)',
  local_port: 'local port(s)',
};

/** What `distinct` counts the different values of, for one socket. */
const DISTINCT_VALUE: Record<(typeof DISTINCT)[number], (socket: SocketRecord) => string> = {
  remote_port: (socket) => String(socket.remote.port),
  remote_address: (socket) => socket.remote.ip,
  remote: (socket) => endpointText(socket.remote),
  local_port: (socket) => String(socket.local.port),
};

/** Checks one expectation now; `subject` says what was expected, `failures` why it does not hold. */
export async function checkExpectation(expectation: ExpectationValue, context: CheckContext): Promise<{ subject: string; failures: string[] }> {
  if ('output' in expectation) {
    const { of } = expectation.output;
    const subject = `output of '${of}'`;
    const source = await context.outputs(of);
    if (!source) return { subject, failures: [`program '${of}' has no output yet`] };
    return { subject, failures: await outputFailures(source, expectation.output) };
  }
  if ('connection' in expectation) {
    const want = expectation.connection;
    const subject = `${want.host}: connection ${want.local} <-> ${want.remote}${want.state ? ` (${want.state})` : ''}`;
    const all = await sockets(context, want.host);
    if (typeof all === 'string') return { subject, failures: [all] };
    const found = all.filter(
      (s) =>
        (!want.protocol || s.protocol === want.protocol) &&
        (!want.state || s.state === want.state) &&
        s.state !== 'LISTEN' &&
        matchesPattern(s.local, want.local) &&
        matchesPattern(s.remote, want.remote) &&
        ownedBy(s, want.program),
    );
    if (want.absent) return { subject: `${subject} absent`, failures: found.length ? [`found ${describeSockets(found)}`] : [] };
    if (want.count !== undefined || want.at_least !== undefined) {
      const counted = want.distinct ? new Set(found.map((socket) => DISTINCT_VALUE[want.distinct!](socket))).size : found.length;
      const what = want.distinct ? `different ${DISTINCT_WORDS[want.distinct]}` : 'such connection(s)';
      const wanted = want.count !== undefined ? `exactly ${want.count}` : `at least ${want.at_least}`;
      const holds = want.count !== undefined ? counted === want.count : counted >= want.at_least!;
      return {
        subject: `${subject}: ${wanted} ${what}`,
        failures: holds
          ? []
          : [
              `${counted} ${what}${found.length ? `: ${describeSockets(found)}` : `; ${want.host} has ${describeSockets(all.filter((s) => s.state !== 'LISTEN'))}`}`,
            ],
      };
    }
    if (found.length > 0) return { subject, failures: [] };
    return { subject, failures: [`no such connection; ${want.host} has ${describeSockets(all.filter((s) => s.state !== 'LISTEN'))}`] };
  }
  if ('listening' in expectation) {
    const want = expectation.listening;
    const protocol = want.protocol ?? 'tcp';
    const subject = `${want.host}: ${want.program ?? 'something'} listening on ${want.address ?? '*'}:${want.port}/${protocol}`;
    const all = await sockets(context, want.host);
    if (typeof all === 'string') return { subject, failures: [all] };
    const found = all.filter(
      (s) =>
        s.protocol === protocol &&
        (protocol === 'udp' || s.state === 'LISTEN') &&
        s.local.port === want.port &&
        (!want.address || s.local.ip === want.address || s.local.ip === '0.0.0.0') &&
        ownedBy(s, want.program),
    );
    if (want.absent) return { subject: `${subject} absent`, failures: found.length ? [`found ${describeSockets(found)}`] : [] };
    const listeners = all.filter((s) => s.state === 'LISTEN' || s.protocol === 'udp');
    return { subject, failures: found.length ? [] : [`nothing listens there; listening: ${describeSockets(listeners)}`] };
  }
  if ('translation' in expectation) {
    const want = expectation.translation;
    const parts = [
      want.src && `from ${want.src}`,
      want.dst && `to ${want.dst}`,
      want.src_after && `source becomes ${want.src_after}`,
      want.dst_after && `destination becomes ${want.dst_after}`,
    ].filter(Boolean);
    const subject = `${want.router}: translation ${parts.join(', ')}`;
    const reading = await context.read(want.router, 'conntrack');
    if (!reading.ok) return { subject, failures: [reading.why] };
    const flows = parseConntrack(reading.text);
    const found = flows.filter(
      (f) =>
        (!want.protocol || f.protocol === want.protocol) &&
        (!want.src || matchesPattern(f.original.src, want.src)) &&
        (!want.dst || matchesPattern(f.original.dst, want.dst)) &&
        (!want.src_after || matchesPattern(f.srcAfter, want.src_after)) &&
        (!want.dst_after || matchesPattern(f.dstAfter, want.dst_after)),
    );
    if (want.absent) return { subject: `${subject} absent`, failures: found.length ? [`found ${describeFlows(found)}`] : [] };
    return { subject, failures: found.length ? [] : [`no such translation; ${want.router} tracks ${describeFlows(flows)}`] };
  }
  if ('packets' in expectation) {
    const want = expectation.packets;
    const where = `capture '${want.capture}'${want.network ? ` on ${want.network}` : ''}`;
    const wanted = want.none ? 'no packet' : want.count !== undefined ? `exactly ${want.count} packet(s)` : `at least ${want.at_least} packet(s)`;
    const subject = `${where}: ${wanted} matching ${JSON.stringify(want.match)}`;
    const counted = context.packets ? await context.packets(want.capture, want.match, want.network) : undefined;
    if (!counted) return { subject, failures: [`capture '${want.capture}' has not recorded anything (did its step run?)`] };
    if (!counted.ok) return { subject, failures: [counted.why] };
    const holds = want.none ? counted.count === 0 : want.count !== undefined ? counted.count === want.count : counted.count >= (want.at_least ?? 1);
    const seen = counted.firstLines.length ? `: ${counted.firstLines.join(' | ')}${counted.count > counted.firstLines.length ? ' | ...' : ''}` : '';
    return { subject, failures: holds ? [] : [`${counted.count} matching packet(s)${seen}`] };
  }
  const want = expectation.process;
  const pattern = (want.running ?? want.not_running)!;
  const subject = want.running && !want.absent ? `${want.host}: process '${pattern}' running` : `${want.host}: no process '${pattern}'`;
  const reading = await context.read(want.host, 'processes');
  if (!reading.ok) return { subject, failures: [reading.why] };
  const processes = parsePs(reading.text).filter((p) => !p.args.startsWith('ps ') && !p.args.startsWith('sh -c ps ') && !p.args.startsWith('timeout '));
  const matching = processes.filter((p) => p.args.includes(pattern));
  if (want.running && !want.absent) {
    return { subject, failures: matching.length ? [] : [`no process matches; running: ${listed(processes.map((p) => p.args))}`] };
  }
  return { subject, failures: matching.length ? [`found: ${listed(matching.map((p) => `${p.pid} ${p.args}`))}`] : [] };
}
