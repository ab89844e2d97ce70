// The scenario format: one zod source for validation, the TypeScript types and the
// editor's JSON Schema (schema/scenario.schema.json, written by scripts/write-schema.ts).
// Cross-field rules (addresses inside subnets, references between names) live in rules.ts.
import { z } from 'zod';
import { parseSize } from '../util/sizes.js';
import { MIN_MEMORY_BYTES, MIN_PIDS } from './host-defaults.js';

// A scenario is parsed once per process: generating zod's fast parsers with `new Function`
// costs more of a `socklab validate`'s start than they save on one parse.
z.config({ jitless: true });

// Spelled out in both cases rather than with the `i` flag: JSON Schema patterns carry no
// flags, and the editor must accept exactly what socklab accepts.
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,30}$/;
const name = (what: string) => z.string().regex(NAME, `a ${what} name starts with a letter and holds up to 31 letters, digits, '-' or '_'`);

export const HostName = name('host');
export const NetworkName = name('network');
export const ProgramId = name('program id');
export const CaptureId = name('capture id');

export const IPv4 = z.ipv4({ error: 'expected an IPv4 address such as 10.0.0.10' });
export const CIDR = z.cidrv4({ error: 'expected an IPv4 subnet in CIDR form such as 10.0.0.0/24' });
export const Port = z
  .number({ error: 'expected a port number from 1 to 65535' })
  .int('expected a whole port number')
  .min(1, { error: (issue) => `port ${String(issue.input)} is out of range: a port number is 1 to 65535` })
  .max(65535, { error: (issue) => `port ${String(issue.input)} is out of range: a port number is 1 to 65535` });

const ADDRESS_PATTERN = /^(\*|(\d{1,3}|\*)(\.(\d{1,3}|\*)){3}):(\*|\d{1,5})$/;
const ADDRESS_PORT = /^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/;

/**
 * The numbers a pattern cannot bound: octets above 255 and ports outside 1-65535 would
 * otherwise pass the pattern and then silently never match anything.
 */
function checkAddressAndPort(value: string, ctx: z.RefinementCtx): void {
  if (!ADDRESS_PATTERN.test(value)) return; // the pattern's own message covers it
  const [ip = '', port = ''] = value.split(':');
  if (ip !== '*' && ip.split('.').some((octet) => octet !== '*' && Number(octet) > 255)) {
    ctx.addIssue({ code: 'custom', message: `${ip} is not an IPv4 address: each of its four numbers is 0 to 255` });
  }
  if (port !== '*' && (Number(port) < 1 || Number(port) > 65535)) {
    ctx.addIssue({ code: 'custom', message: `port ${port} is out of range: a port number is 1 to 65535` });
  }
}

/** `ip:port` where either side may be `*` (any), as ports and addresses are often ephemeral. */
export const AddressPattern = z
  .string()
  .regex(
    ADDRESS_PATTERN,
    "expected 'address:port' where either part, or a number of the address, may be '*', e.g. '10.0.0.10:60001', '10.0.0.20:*' or '192.168.0.*:*'",
  )
  .superRefine(checkAddressAndPort);

/** Seconds as a number, or a string with a unit: '500ms', '10s', '2m'. */
export const Duration = z.union(
  [
    z.number().positive("a duration must be more than 0 seconds, e.g. 10 or '500ms'"),
    z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/, "expected a duration such as 10, '500ms', '10s' or '2m'"),
  ],
  { error: "expected a duration: seconds as a number, or a string such as '500ms', '10s', '2m'" },
);

/** Link impairments, as tc netem takes them; loss and rate have a fallback without netem. */
export const Impairment = z
  .strictObject({
    delay: Duration.optional().describe("Added to every packet sent, e.g. '50ms' (needs netem)"),
    jitter: Duration.optional().describe("Random variation of the delay, e.g. '10ms' (needs netem and a delay)"),
    loss: z
      .union([
        z.number().min(0, 'loss is a percentage from 0 to 100').max(100, 'loss is a percentage from 0 to 100'),
        z.string().regex(/^\d+(\.\d+)?%$/, "expected a percentage such as '10%'"),
      ])
      .optional()
      .describe("Share of packets dropped at random, e.g. '10%'"),
    rate: z
      .string()
      .regex(/^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/, "expected a rate such as '1mbit', '512kbit' or '100mbit'")
      .optional()
      .describe("Most bits per second sent, e.g. '1mbit'"),
  })
  .describe('Impairments of the packets a host sends on a network: delay, jitter, loss, rate');

export const Network = z
  .strictObject({
    subnet: CIDR.describe('IPv4 subnet, e.g. 10.0.0.0/24'),
    // Older scenarios reserved an address for the engine's bridge; lesson addresses are the
    // lab's own now, so the key is refused with what to do rather than silently ignored.
    gateway: z
      .never({
        error:
          "networks no longer reserve a gateway address for the engine: every address of the subnet is the lesson's. Remove 'gateway'; a host's way out is its default_route.",
      })
      .optional(),
    description: z.string().optional(),
    impair: Impairment.optional().describe('Applies to every host on this network, on its interface here'),
  })
  .describe('An isolated (internal) network: nothing on it can reach beyond the lab');

export const Route = z.strictObject({
  to: CIDR.describe('Destination subnet'),
  via: IPv4.describe("Next hop: an address of a router on one of this host's networks"),
});

/** How a masquerading router chooses the public port of a flow. */
export const NAT_BEHAVIOURS = ['port-preserving', 'random', 'symmetric'] as const;

export const Masquerade = z
  .strictObject({
    masquerade: z.strictObject({
      out: NetworkName.describe('Network whose interface the translated traffic leaves by'),
      source: CIDR.optional().describe('Only traffic from this subnet (default: any)'),
      behaviour: z
        .enum(NAT_BEHAVIOURS, { error: "expected one of 'port-preserving', 'random', 'symmetric'; a full cone is 'full_cone: true' beside port-preserving" })
        .optional()
        .describe(
          "How public ports are chosen: port-preserving (default: the host's own port when free, one mapping for every destination), random (a port per destination), symmetric (a fresh random port for every flow)",
        ),
      full_cone: z
        .boolean()
        .optional()
        .describe('UDP: once a host has sent out, anyone may send to its public address:port, not only whom it sent to (port-preserving only)'),
    }),
  })
  .describe("Source NAT with port translation (PAT): traffic leaving by `out` takes the router's address there");

export const PortForward = z
  .strictObject({
    port_forward: z.strictObject({
      network: NetworkName.describe('Network on which the router receives the traffic'),
      protocol: z.enum(['tcp', 'udp']).default('tcp'),
      port: Port.describe("Port on the router's address on `network`"),
      to: z
        .string()
        .regex(ADDRESS_PORT, "expected 'address:port' such as '10.10.10.67:60001'")
        .superRefine(checkAddressAndPort)
        .describe('Where the traffic is forwarded (DNAT)'),
    }),
  })
  .describe("Destination NAT: traffic to the router's public port is forwarded to a host");

export const NatRule = z.union([Masquerade, PortForward], {
  error: 'a nat rule is `masquerade: { out: NETWORK }` or `port_forward: { network, protocol, port, to }`',
});

export const FileCopy = z.union([
  z.string().describe('Path relative to the scenario file; copied to /lab/files/<name>'),
  z.strictObject({
    from: z.string(),
    to: z.string().regex(/^\//, 'an absolute path in the host').describe('Where in the host: under one of its writable folders (/lab, /tmp, /srv, /root, ...)'),
  }),
]);

/** A memory size as people write it: '256m', '1g', '512k'. */
const MEMORY_SIZE = /^\d+(\.\d+)?[kmgKMG]?[bB]?$/;

export const Limits = z
  .strictObject({
    memory: z
      .string({ error: "expected a memory size such as '256m' or '1g'" })
      .regex(MEMORY_SIZE, "expected a memory size such as '256m' or '1g'")
      .superRefine((value, ctx) => {
        const bytes = parseSize(value);
        if (bytes !== undefined && bytes < MIN_MEMORY_BYTES) {
          ctx.addIssue({ code: 'custom', message: `${value} is too little for a lab host (its own tools need some); give at least 32m` });
        }
      })
      .optional()
      .describe("Memory limit, e.g. '256m' or '1g' (default 512m); beyond it the host's out-of-memory killer stops the largest program"),
    pids: z
      .number({ error: 'expected a whole number of processes, e.g. 256' })
      .int('expected a whole number of processes, e.g. 256')
      .min(MIN_PIDS, `a lab host needs at least ${MIN_PIDS} processes and threads for its own tools`)
      .optional()
      .describe('Most processes and threads at once (default 512): a fork storm stops here'),
    cpus: z
      .number({ error: 'expected a number of CPUs, e.g. 0.5' })
      .min(0.01, 'expected at least 0.01 CPUs')
      .optional()
      .describe('CPU share: 0.5 is half of one core (default 1)'),
  })
  .describe('Resource limits of this host (default: memory 512m, pids 512, cpus 1)');

export const Host = z.strictObject({
  role: z.enum(['host', 'router']).default('host').describe('A router forwards packets between its networks'),
  description: z.string().optional(),
  networks: z
    .record(NetworkName, IPv4)
    .refine((value) => Object.keys(value).length > 0, 'a host needs at least one network: `networks: { NETWORK: ADDRESS }`')
    .meta({ minProperties: 1 }) // the refine, as the editor's JSON Schema can say it
    .describe("Network name -> this host's fixed address on it"),
  default_route: IPv4.optional().describe("Default gateway: a router's address on one of this host's networks"),
  routes: z.array(Route).optional(),
  nat: z.array(NatRule).optional().describe('NAT rules (routers only)'),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  image: z.string().optional(),
  files: z.array(FileCopy).optional(),
  limits: Limits.optional(),
  impair: z
    .record(NetworkName, Impairment)
    .optional()
    .describe("Network name -> impairments of this host's interface there (over the network's own, key by key)"),
});

const TextExpectation = z.union([
  z.string().describe('The text contains this'),
  z.strictObject({
    contains: z.union([z.string(), z.array(z.string())]).optional(),
    not_contains: z.union([z.string(), z.array(z.string())]).optional(),
    regex: z.string().optional(),
    lines: z.number().int().min(0).optional().describe('Exact number of non-empty lines'),
  }),
]);

export const OutputExpectation = z.strictObject({
  exit: z.number().int().optional().describe('Expected exit code (default for run: 0)'),
  stdout: TextExpectation.optional(),
  stderr: TextExpectation.optional(),
});

const programFields = {
  id: ProgramId.optional().describe('Name to refer to this program in stop and expect steps'),
  program: z.string().optional().describe('A .ts (bundled), .js or .py file, relative to the scenario'),
  command: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('A shell command instead of a program'),
  args: z.array(z.union([z.string(), z.number()])).optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
};

export const WaitFor = z.union([
  z.string().describe('Wait until the output contains this text'),
  z.strictObject({ output: z.string().optional(), regex: z.string().optional(), port: Port.optional(), protocol: z.enum(['tcp', 'udp']).optional() }),
]);

export const StartStep = z.strictObject({
  start: HostName.describe('Start a program in the background on this host'),
  ...programFields,
  wait_for: WaitFor.optional(),
  timeout: Duration.optional().describe('How long wait_for may take (default 10s)'),
});

export const RunStep = z.strictObject({
  run: HostName.describe('Run a program on this host to completion'),
  ...programFields,
  timeout: Duration.optional().describe('Longest run time (default 30s)'),
  expect: OutputExpectation.optional(),
});

export const ParallelStep = z.strictObject({
  parallel: z.array(RunStep).min(1).describe('Runs that go at the same time'),
});

export const SleepStep = z.strictObject({ sleep: Duration });

export const OBSERVATIONS = ['netstat', 'ss', 'ps', 'conntrack', 'ip addr', 'ip route', 'iptables', 'netstat-raw', 'ss-raw', 'ps-raw'] as const;
export const ObserveStep = z.strictObject({
  observe: z.union([
    HostName,
    z.array(HostName).min(1),
    z.strictObject({
      hosts: z.array(HostName).min(1),
      show: z.array(z.enum(OBSERVATIONS)).optional().describe('Default: netstat and ps'),
      command: z.string().optional().describe('Any shell command instead of `show`'),
    }),
  ]),
});

export const StopStep = z.strictObject({
  stop: ProgramId.describe('The id of a started program'),
  signal: z.enum(['SIGTERM', 'SIGINT', 'SIGKILL', 'SIGHUP']).optional(),
  expect: OutputExpectation.optional(),
});

export const WaitStep = z.strictObject({
  wait: ProgramId.describe('The id of a started program: wait until it exits by itself'),
  timeout: Duration.optional().describe('Longest wait (default 30s)'),
  expect: OutputExpectation.optional().describe('Checked on its whole output; exit defaults to 0'),
});

/**
 * TCP states as netstat prints them. LISTEN is left out on purpose: a connection expectation
 * never matches a listening socket; `listening:` checks those.
 */
/** What a connection expectation can count the different values of. */
export const DISTINCT = ['remote_port', 'remote_address', 'remote', 'local_port'] as const;

export const TCP_STATES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING'] as const;

export const Expectation = z.union(
  [
    z.strictObject({ output: OutputExpectation.extend({ of: ProgramId }) }),
    z.strictObject({
      connection: z.strictObject({
        host: HostName,
        protocol: z.enum(['tcp', 'udp']).optional(),
        state: z.enum(TCP_STATES).optional().describe('As netstat shows it, e.g. ESTABLISHED, TIME_WAIT; default: any'),
        local: AddressPattern,
        remote: AddressPattern,
        program: z.string().optional().describe("The socket's program as netstat names it (node, python3); its PID is never fixed"),
        absent: z.boolean().optional().describe('No such connection'),
        count: z.number().int().min(0).optional().describe('Exactly this many such connections (or distinct values, with `distinct`)'),
        at_least: z.number().int().min(1).optional().describe('At least this many such connections (or distinct values, with `distinct`)'),
        distinct: z
          .enum(DISTINCT)
          .optional()
          .describe('Count the different values of this among the connections, e.g. remote_port: one public address, two ports'),
      }),
    }),
    z.strictObject({
      listening: z.strictObject({
        host: HostName,
        protocol: z.enum(['tcp', 'udp']).optional(),
        port: Port,
        address: IPv4.optional(),
        program: z.string().optional().describe("The socket's program as netstat names it (node, python3); its PID is never fixed"),
        absent: z.boolean().optional().describe('Nothing listens there'),
      }),
    }),
    z.strictObject({
      translation: z.strictObject({
        router: HostName,
        protocol: z.enum(['tcp', 'udp']).optional(),
        src: AddressPattern.optional().describe('Original source'),
        dst: AddressPattern.optional().describe('Original destination'),
        src_after: AddressPattern.optional().describe('Source after NAT (masquerade)'),
        dst_after: AddressPattern.optional().describe('Destination after NAT (port forward)'),
        absent: z.boolean().optional().describe('No such translation'),
      }),
    }),
    z.strictObject({
      process: z.strictObject({
        host: HostName,
        running: z.string().optional(),
        not_running: z.string().optional(),
        absent: z.boolean().optional().describe('With `running`: no such process (the same as `not_running`)'),
      }),
    }),
    z.strictObject({
      packets: z.strictObject({
        capture: CaptureId.describe('The id of a capture step that has ended before this expectation'),
        match: z.string().min(1, 'give a tcpdump filter, e.g. "icmp[icmptype] == icmp-unreach"').describe('tcpdump filter the packets are counted with'),
        network: NetworkName.optional().describe('Only the packets captured on this network (the capture must list it)'),
        count: z.number().int().min(0).optional().describe('Exactly this many matching packets'),
        at_least: z.number().int().min(1).optional().describe('At least this many matching packets'),
        none: z
          .literal(true, { error: "'none' is only ever true (no matching packet); to expect some packets, write 'at_least: 1'" })
          .optional()
          .describe('No matching packet at all'),
      }),
    }),
  ],
  { error: 'an expectation is one of: output, connection, listening, translation, process, packets' },
);

export const ExpectStep = z.strictObject({
  expect: z.union([Expectation, z.array(Expectation).min(1)]),
});

/** Every host of the lab: a capture of each segment a conversation crosses. */
const AllHosts = z.literal('all', { error: "expected 'all', a list of hosts, or { host: NAME, ... }" });

export const CaptureStep = z.strictObject({
  capture: z.union([
    AllHosts.describe('Every host, on all its interfaces: the whole journey of each packet'),
    z.array(HostName).min(1).describe('These hosts, on all their interfaces'),
    z.strictObject({
      host: HostName.optional().describe('The host to capture on'),
      hosts: z
        .union([AllHosts, z.array(HostName).min(1)])
        .optional()
        .describe("Several hosts at once ('all', or a list), on one clock"),
      networks: z.array(NetworkName).optional().describe("Interfaces to capture, by network (default: all of the host's)"),
      filter: z.string().optional().describe('tcpdump filter, e.g. "tcp port 80"'),
      id: CaptureId.optional().describe('Name to refer to this capture in `packets` expectations'),
    }),
  ]),
  get steps() {
    return z.array(Step).min(1).describe('The steps during which packets are captured');
  },
});

export const STEP_KINDS = ['start', 'run', 'parallel', 'sleep', 'observe', 'stop', 'wait', 'expect', 'capture'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const STEP_SCHEMAS = {
  start: StartStep,
  run: RunStep,
  parallel: ParallelStep,
  sleep: SleepStep,
  observe: ObserveStep,
  stop: StopStep,
  wait: WaitStep,
  expect: ExpectStep,
  capture: CaptureStep,
} as const;

export const Step: z.ZodType<StepValue> = z.union([StartStep, RunStep, ParallelStep, SleepStep, ObserveStep, StopStep, WaitStep, ExpectStep, CaptureStep]);

export const Scenario = z.strictObject({
  name: name('scenario').describe('Scenario name: labels, container names and `socklab status` use it'),
  description: z.string().optional(),
  image: z.string().optional().describe('Default image for hosts (default: the socklab lab image)'),
  networks: z
    .record(NetworkName, Network)
    .refine((v) => Object.keys(v).length > 0, 'a scenario needs at least one network, e.g. `lan: { subnet: 10.0.0.0/24 }`')
    .meta({ minProperties: 1 }),
  hosts: z
    .record(HostName, Host)
    .refine((v) => Object.keys(v).length > 0, 'a scenario needs at least one host, e.g. `server: { networks: { lan: 10.0.0.10 } }`')
    .meta({ minProperties: 1 }),
  steps: z.array(Step).optional(),
});

export type StartStepValue = z.infer<typeof StartStep>;
export type RunStepValue = z.infer<typeof RunStep>;
export type ParallelStepValue = z.infer<typeof ParallelStep>;
export type SleepStepValue = z.infer<typeof SleepStep>;
export type ObserveStepValue = z.infer<typeof ObserveStep>;
export type StopStepValue = z.infer<typeof StopStep>;
export type ExpectStepValue = z.infer<typeof ExpectStep>;
export type WaitStepValue = z.infer<typeof WaitStep>;
export type CaptureStepValue = {
  capture: 'all' | string[] | { host?: string; hosts?: 'all' | string[]; networks?: string[]; filter?: string; id?: string };
  steps: StepValue[];
};
export type StepValue =
  StartStepValue | RunStepValue | ParallelStepValue | SleepStepValue | ObserveStepValue | StopStepValue | WaitStepValue | ExpectStepValue | CaptureStepValue;

export type ScenarioValue = z.infer<typeof Scenario>;
/** A scenario as written (defaults not applied yet): what a file, or an object given to the library, holds. */
export type ScenarioInputValue = z.input<typeof Scenario>;
export type HostValue = z.infer<typeof Host>;
export type NetworkValue = z.infer<typeof Network>;
export type NatRuleValue = z.infer<typeof NatRule>;
export type ExpectationValue = z.infer<typeof Expectation>;
export type OutputExpectationValue = z.infer<typeof OutputExpectation>;
export type TextExpectationValue = z.infer<typeof TextExpectation>;
export type WaitForValue = z.infer<typeof WaitFor>;
export type DurationValue = z.infer<typeof Duration>;
export type ImpairmentValue = z.infer<typeof Impairment>;

/** The kind of a step: the one action key it has. */
export function stepKind(step: object): StepKind | undefined {
  return STEP_KINDS.find((kind) => kind in step);
}

export function durationMs(value: DurationValue | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  if (typeof value === 'number') return value * 1000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (!match) return fallbackMs;
  const amount = Number(match[1]);
  return match[2] === 'ms' ? amount : match[2] === 's' ? amount * 1000 : amount * 60_000;
}
