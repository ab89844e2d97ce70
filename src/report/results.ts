// A run's results as one object: report.json in the run's folder, what `socklab run --json`
// prints, and what report.html and report.md are made from (so `socklab report` can remake
// them later). One zod source gives the TypeScript type and the published JSON Schema
// (schema/results.schema.json, written by scripts/write-schema.ts).
import { z } from 'zod';

export const RESULTS_VERSION = 1;

const Endpoint = z.object({ ip: z.string(), port: z.number().int() });
const Address = z.object({ ip: z.string(), port: z.number().int().optional() });

const Verdict = z.object({
  step: z.string().describe("Where: 'step 3', 'step 2.1'"),
  host: z.string().optional(),
  subject: z.string().describe('What was expected'),
  failures: z.array(z.string()).describe('Why it does not hold; empty when it passed'),
});

const Impairment = z.object({ delay: z.unknown().optional(), jitter: z.unknown().optional(), loss: z.unknown().optional(), rate: z.unknown().optional() });

export const Topology = z.object({
  networks: z.array(z.object({ name: z.string(), subnet: z.string(), description: z.string().optional(), impair: Impairment.optional() })),
  hosts: z.array(
    z.object({
      name: z.string(),
      role: z.enum(['host', 'router']),
      description: z.string().optional(),
      addresses: z.record(z.string(), z.string()).describe('network -> address'),
      defaultRoute: z.string().optional(),
      routes: z.array(z.string()).describe("'SUBNET via ADDRESS'"),
      nat: z.array(z.string()).describe('Each NAT rule in words'),
      impair: z.record(z.string(), Impairment).optional(),
    }),
  ),
});

const Event = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('info'), message: z.string() }),
  z.object({ kind: z.literal('step'), label: z.string(), description: z.string() }),
  z.object({ kind: z.literal('output'), host: z.string(), stream: z.enum(['stdout', 'stderr']), line: z.string() }),
  z.object({ kind: z.literal('observation'), host: z.string(), title: z.string(), text: z.string() }),
  z.object({ kind: z.literal('verdict'), verdict: Verdict }),
  z.object({ kind: z.literal('section'), title: z.string(), text: z.string() }),
  z.object({ kind: z.literal('omitted'), count: z.number().int(), why: z.string() }),
]);

const WhoSeesWhat = z.object({
  protocol: z.string(),
  hops: z.array(
    z.object({
      host: z.string(),
      seenWith: z.enum(['netstat', 'conntrack']),
      direction: z.enum(['in', 'out']).optional(),
      src: Endpoint,
      dst: Endpoint,
      state: z.string().optional(),
      note: z.string().optional(),
      seen: z.string(),
    }),
  ),
});

const JourneyHop = z.object({
  network: z.string(),
  from: z.string(),
  to: z.string().optional(),
  time: z.number(),
  src: Address,
  dst: Address,
  ttl: z.number().int(),
  rewritten: z.object({ at: z.string(), what: z.enum(['source', 'destination', 'source and destination']), before: z.string(), after: z.string() }).optional(),
});

const Conversation = z.object({
  protocol: z.string(),
  from: z.string(),
  to: z.string(),
  lanes: z.array(z.string()),
  packets: z.array(
    z.object({
      index: z.number().int(),
      protocol: z.string(),
      flags: z.string().optional(),
      seq: z.string().optional(),
      ack: z.string().optional(),
      ipId: z.number().int(),
      length: z.number().int(),
      info: z.string(),
      hops: z.array(JourneyHop),
    }),
  ),
  more: z.number().int(),
});

export const Results = z
  .object({
    version: z.literal(RESULTS_VERSION),
    scenario: z.string(),
    description: z.string().optional(),
    file: z.string().describe('The scenario file, as given'),
    runId: z.string(),
    passed: z.boolean(),
    seconds: z.number(),
    error: z.string().optional().describe('Why the run stopped early, if it did'),
    topology: Topology,
    events: z.array(Event).describe('What the console showed, in order (the first part of long outputs)'),
    verdicts: z.array(Verdict),
    whoSeesWhat: z.array(WhoSeesWhat),
    captures: z.array(
      z.object({
        step: z.string(),
        id: z.string().optional(),
        host: z.string(),
        network: z.string().optional(),
        iface: z.string(),
        pcap: z.string().describe("Relative to the run's folder"),
        text: z.string(),
        packets: z.number().int(),
        capped: z.boolean(),
      }),
    ),
    journeys: z.array(z.object({ step: z.string(), conversations: z.array(Conversation) })).describe('One per capture step, across its hosts'),
  })
  .describe('The results of one socklab run');

export type ResultsValue = z.infer<typeof Results>;
export type TopologyValue = z.infer<typeof Topology>;
export type ReportEventValue = z.infer<typeof Event>;

/** The published JSON Schema of results (draft-07), as schema/results.schema.json holds it. */
export function resultsJsonSchemaText(): string {
  const { $schema, ...rest } = z.toJSONSchema(Results, { target: 'draft-7' }) as Record<string, unknown>;
  return `${JSON.stringify({ $schema, title: 'socklab results', ...rest }, null, 2)}\n`;
}
