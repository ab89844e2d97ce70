// Rules socklab adds on the engine's host for each lab bridge, and removes with the lab.
// They are set from a short-lived helper container in the host's network namespace, which
// also reaches the host when the engine runs in a VM.
//
// - Routing inside the lab: Docker's isolation rules for internal networks drop a frame
//   bridged between two lab containers when its destination lies outside the bridge's
//   subnet, which is what routed traffic looks like (client -> router, destined for another
//   network). An ACCEPT in DOCKER-USER (Docker's chain for user rules, run before isolation)
//   for traffic that enters and leaves the same bridge lets routing work. Every time the
//   engine creates a network (another lab coming up) it deletes and re-inserts FORWARD's
//   jump to DOCKER-USER; a frame forwarded in that gap skipped our ACCEPT and fell to the
//   isolation rules (a lost UDP datagram, seen as 7 lost of 1500 under network churn). A
//   RETURN for the same bridge-to-itself traffic at the head of the isolation chain closes
//   the gap: the frame goes back to FORWARD, where Docker's own rule for traffic within a
//   bridge accepts it (0 lost of 3000 under the same churn).
// - Nothing leaves the bridge and nothing enters it from elsewhere (DOCKER-USER), whatever
//   addresses a hostile program writes into its packets.
// - The engine host itself is out of reach: its INPUT chains drop what arrives from the
//   bridge (IPv4 and IPv6), and the bridge gets no IPv6 link-local address (it would get one
//   even with `inhibit_ipv4`). A program with NET_ADMIN, or one that crafts frames by hand,
//   finds nothing to talk to.
import type { Runtime } from '../runtime/runtime.js';
import { untilAborted } from '../util/abort.js';
import { BRIDGE_PREFIX, LABEL } from '../runtime/labels.js';
import { ownerText, currentOwner } from './ownership.js';

/** Docker's chain that drops what an internal network's bridge carries outside its subnet. */
const ISOLATION_CHAIN = 'DOCKER-ISOLATION-STAGE-1';

/** The rules of one bridge, as `iptables`/`ip6tables` arguments (inserted in this order). */
export function bridgeRules(bridge: string): { tool: 'iptables' | 'ip6tables'; rule: string }[] {
  return [
    { tool: 'iptables', rule: `DOCKER-USER -i ${bridge} -o ${bridge} -j ACCEPT` },
    { tool: 'iptables', rule: `${ISOLATION_CHAIN} -i ${bridge} -o ${bridge} -j RETURN` },
    { tool: 'iptables', rule: `DOCKER-USER -i ${bridge} ! -o ${bridge} -j DROP` },
    { tool: 'iptables', rule: `DOCKER-USER -o ${bridge} ! -i ${bridge} -j DROP` },
    { tool: 'iptables', rule: `INPUT -i ${bridge} -j DROP` },
    { tool: 'ip6tables', rule: `INPUT -i ${bridge} -j DROP` },
    { tool: 'ip6tables', rule: `FORWARD -i ${bridge} ! -o ${bridge} -j DROP` },
  ];
}

/** How a failure to set a lab's rules begins. */
const SET_FAILED = "could not set the lab's rules on the engine's host";

/** The helper label of a run's rules keeper (see startRulesKeeper). */
export const RULES_KEEPER = 'rules-keeper';

const helperSettings = (image: string, runId: string, kind: string) => ({
  image,
  labels: { [LABEL.run]: runId, [LABEL.helper]: kind, [LABEL.owner]: ownerText(currentOwner()) },
  hostNetwork: true,
  capAdd: ['NET_ADMIN'],
});

function helper(runtime: Runtime, image: string, runId: string, script: string, signal?: AbortSignal) {
  return runtime.runHelper({ ...helperSettings(image, runId, 'host-rules'), command: ['sh', '-c', script], signal });
}

/**
 * A helper that stays until the lab is removed and sets the lab's rules: the teardown then
 * removes them with one exec into it instead of a whole helper's life (create, start, wait,
 * remove), which was the longest part of a lab's removal. For labs whose removal follows in
 * the same process (`run`, `test`); a lab left up takes no extra container. It starts while
 * the lab's networks are made (it needs none of them), and sets the rules once they are.
 */
export async function startRulesKeeper(runtime: Runtime, image: string, runId: string, bridges: string[]): Promise<{ setRules(): Promise<void> }> {
  const name = `${BRIDGE_PREFIX}${runId}-rules`;
  // Its command only waits: the work comes by exec. `sleep` as its first process ignores
  // SIGTERM, which only makes its removal a kill, as every removal here is.
  await runtime.startHelper({ ...helperSettings(image, runId, RULES_KEEPER), name, command: ['sleep', 'infinity'] });
  return {
    async setRules() {
      const result = await runtime.exec(name, ['sh', '-ec', bridgeSetup(bridges).join('\n')]);
      if (result.exitCode !== 0) {
        throw new Error(`${SET_FAILED}: ${(result.stderr || result.stdout).trim() || `exit ${result.exitCode}`}`);
      }
    },
  };
}

/** The commands that set one lab's rules on its bridges. */
function bridgeSetup(bridges: string[]): string[] {
  return bridges
    .flatMap((bridge) => [
      // Before any container is attached the bridge is down and has no IPv6 address yet;
      // with addrgenmode none it never gets one.
      `ip link set dev ${bridge} addrgenmode none`,
      `ip -6 addr flush dev ${bridge}`,
    ])
    .concat(rulesTransactions(bridges));
}

/**
 * The bridges' rules inserted as one iptables-restore transaction per tool: one lock and one
 * read of the engine host's rules each, where a command per rule took as many.
 */
function rulesTransactions(bridges: readonly string[]): string[] {
  return (['iptables', 'ip6tables'] as const).map((tool) => {
    const lines = bridges.flatMap((bridge) =>
      bridgeRules(bridge)
        .filter((rule) => rule.tool === tool)
        .map(({ rule }) => `-I ${rule}`),
    );
    // An unquoted delimiter: the scripts go inside single quotes elsewhere, and the rules
    // hold no character the shell would expand.
    return [`${tool}-restore --noflush <<RULES`, '*filter', ...lines, 'COMMIT', 'RULES'].join('\n');
  });
}

/** A lab's request to a rules helper, settled with the helper's answer for its part. */
interface Request<Answer> {
  runId: string;
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
}

/**
 * One helper at a time per engine, image and kind of work; labs that ask while it runs are
 * served together by the next one (`up --copies 30` needs a few helpers, not thirty, to set
 * its rules, and as few to remove them when one copy fails and all go).
 */
class HelperBatches<R> {
  private waiting: R[] = [];
  private running = false;

  /** `serve` settles every request of its batch and never throws. */
  constructor(private readonly serve: (batch: R[]) => Promise<void>) {}

  add(request: R): void {
    this.waiting.push(request);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) await this.serve(this.waiting.splice(0));
    this.running = false;
  }
}

type Additions = Request<void> & { bridges: string[] };
type Removals = Request<number> & { prefixes: readonly string[]; signal?: AbortSignal };

/** Each lab's part runs in a shell of its own, so one lab's failure fails that lab only. */
async function serveAdditions(runtime: Runtime, image: string, batch: Additions[]): Promise<void> {
  // Bridge names are [a-z0-9-] (checked by the plan) and the rules hold no quote.
  const script = batch
    .map(
      (request, index) =>
        `if ! out=$(sh -ec '\n${bridgeSetup(request.bridges).join('\n')}\n' 2>&1); then printf 'failed ${index} %s\\n' "$(printf %s "$out" | tr '\\n' ' ')"; fi`,
    )
    .join('\n');
  try {
    const result = await helper(runtime, image, batch[0]!.runId, script);
    if (result.exitCode !== 0) throw new Error(result.stderr.trim() || result.stdout.trim() || `exit ${result.exitCode}`);
    const failures = new Map([...result.stdout.matchAll(/^failed (\d+) (.*)$/gm)].map((match) => [Number(match[1]), match[2]!.trim()] as const));
    batch.forEach((request, index) => {
      const failure = failures.get(index);
      if (failure === undefined) request.resolve();
      else request.reject(new Error(`${SET_FAILED}: ${failure}`));
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    for (const request of batch) request.reject(new Error(`${SET_FAILED}: ${why}`));
  }
}

/** One removal for the whole batch; each lab is told how many of the rules were on its bridges. */
async function serveRemovals(runtime: Runtime, image: string, batch: Removals[]): Promise<void> {
  // Interrupted only when every lab it serves is: a helper left behind by none of them.
  const stop = new AbortController();
  const signals = batch.map((request) => request.signal);
  const everyAborted = () => {
    if (signals.every((signal) => signal?.aborted)) stop.abort(signals[0]!.reason);
  };
  for (const signal of signals) signal?.addEventListener('abort', everyAborted);
  everyAborted();
  try {
    const result = await helper(runtime, image, batch[0]!.runId, removalScript(batch.map((request) => request.prefixes)), stop.signal);
    if (result.exitCode !== 0) throw new Error(result.stderr.trim() || `exit ${result.exitCode}`);
    const counts = new Map([...result.stdout.matchAll(/^removed (\d+) (\d+)$/gm)].map((match) => [Number(match[1]), Number(match[2])] as const));
    batch.forEach((request, index) => request.resolve(counts.get(index) ?? 0));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    for (const request of batch) request.reject(new Error(`could not remove the lab's rules on the engine's host: ${why}`));
  } finally {
    for (const signal of signals) signal?.removeEventListener('abort', everyAborted);
  }
}

const batchers = new WeakMap<Runtime, Map<string, { additions: HelperBatches<Additions>; removals: HelperBatches<Removals> }>>();

/** The batches of one engine and image. */
function batchesOf(runtime: Runtime, image: string) {
  let byImage = batchers.get(runtime);
  if (!byImage) batchers.set(runtime, (byImage = new Map()));
  let batches = byImage.get(image);
  if (!batches) {
    batches = {
      additions: new HelperBatches((batch) => serveAdditions(runtime, image, batch)),
      removals: new HelperBatches((batch) => serveRemovals(runtime, image, batch)),
    };
    byImage.set(image, batches);
  }
  return batches;
}

/** Sets the rules of a lab's bridges (see the top of this file), together with other labs that ask meanwhile. */
export async function addBridgeRules(runtime: Runtime, image: string, runId: string, bridges: string[]): Promise<void> {
  if (bridges.length === 0) return;
  return new Promise((resolve, reject) => batchesOf(runtime, image).additions.add({ runId, bridges, resolve, reject }));
}

/**
 * The chains socklab puts rules in, and which of their rules on a bridge are socklab's, as
 * an extended regular expression per tool for `iptables-save` lines. Docker's own rules for
 * the bridges (FORWARD, its DROPs in the isolation chain) are Docker's to remove with the network.
 */
const OURS_IN_SAVE = {
  iptables: `^-A (DOCKER-USER|INPUT) |^-A ${ISOLATION_CHAIN} .* -j RETURN$`,
  ip6tables: '^-A (INPUT|FORWARD) ',
} as const;

/** grep's arguments that pick the rules naming a bridge of `prefixes` (in or out). */
const onBridges = (prefixes: readonly string[]) => prefixes.map((prefix) => `-e '-[io] ${prefix}'`).join(' ');

/** A shell command printing the tool's rules that are socklab's on bridges of `prefixes`, as `-A CHAIN ...` lines. */
function ourRules(tool: 'iptables' | 'ip6tables', prefixes: readonly string[]): string {
  return `${tool}-save -t filter 2>/dev/null | grep -E '${OURS_IN_SAVE[tool]}' | grep ${onBridges(prefixes)}`;
}

/**
 * The script that deletes every rule socklab put on a bridge whose name starts with one of
 * each group's prefixes, and prints `removed GROUP COUNT` for each group. The rules are read
 * with one `iptables-save` and deleted with one `iptables-restore` transaction per tool,
 * however many groups: deleting rule by rule took a command each, every one reading the
 * engine host's whole rule set again (210 for 30 labs). Found by their text, so what a
 * crashed run left goes too. A transaction is all or nothing: one that lost a rule to someone
 * else meanwhile is read and tried again.
 */
function removalScript(groups: readonly (readonly string[])[]): string {
  const all = groups.flat();
  if (!all.every((prefix) => prefix.startsWith(BRIDGE_PREFIX) && /^[a-z0-9-]+$/.test(prefix))) {
    throw new Error(`refusing to remove rules outside ${BRIDGE_PREFIX}*`);
  }
  return [
    ...groups.map((_, index) => `n${index}=0`),
    ...(['iptables', 'ip6tables'] as const).flatMap((tool) => [
      `for attempt in 1 2 3; do`,
      `  rules=$(${ourRules(tool, all)})`,
      `  [ -n "$rules" ] || break`,
      `  if printf '*filter\\n%s\\nCOMMIT\\n' "$(printf '%s\\n' "$rules" | sed 's/^-A /-D /')" | ${tool}-restore --noflush; then`,
      ...groups.map((prefixes, index) => `    n${index}=$((n${index} + $(printf '%s\\n' "$rules" | grep -c ${onBridges(prefixes)})))`),
      `    break`,
      `  fi`,
      `  [ $attempt = 3 ] && exit 1`,
      `done`,
    ]),
    ...groups.map((_, index) => `echo "removed ${index} $n${index}"`),
  ].join('\n');
}

/**
 * Deletes every rule socklab put on a bridge whose name starts with one of `prefixes` (one
 * run: `sl-<run>-`; everything socklab owns: `sl-`), IPv4 and IPv6 (removalScript), in the
 * run's keeper when it has one, else in a helper shared with other labs removed meanwhile.
 * Resolves to how many rules went.
 */
export async function removeBridgeRules(
  runtime: Runtime,
  image: string,
  runId: string,
  options: {
    prefixes: readonly string[];
    /** A running rules keeper (startRulesKeeper) to do it in, rather than a new helper. */
    keeper?: string;
    signal?: AbortSignal;
  },
): Promise<number> {
  const { prefixes, signal, keeper } = options;
  if (prefixes.length === 0) return 0;
  // Made first also for what it checks: prefixes outside sl- are refused before any helper.
  const script = removalScript([prefixes]);
  // A keeper that is gone or broken meanwhile: the shared helper does it.
  const inKeeper = keeper ? await runtime.exec(keeper, ['sh', '-c', script], { signal }).catch(() => undefined) : undefined;
  if (inKeeper?.exitCode === 0) return Number(/^removed 0 (\d+)$/m.exec(inKeeper.stdout)?.[1] ?? 0);
  signal?.throwIfAborted();
  // The shared helper goes on while other labs wait on it; this one stops waiting.
  const removed = new Promise<number>((resolve, reject) => batchesOf(runtime, image).removals.add({ runId, prefixes, signal, resolve, reject }));
  // Settled later when this lab stopped waiting: not an unhandled rejection then.
  removed.catch(() => undefined);
  return signal ? untilAborted(removed, signal) : removed;
}

/** Lists the rules on socklab bridges, IPv4 and IPv6 (for `doctor` and leak checks). */
export async function listBridgeRules(runtime: Runtime, image: string, signal?: AbortSignal): Promise<string[]> {
  const result = await helper(
    runtime,
    image,
    'inspect',
    `{ ${ourRules('iptables', [BRIDGE_PREFIX])}; ${ourRules('ip6tables', [BRIDGE_PREFIX])} | sed 's/^/(IPv6) /'; } || true`,
    signal,
  );
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}
