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
        throw new Error(`could not set the lab's rules on the engine's host: ${(result.stderr || result.stdout).trim() || `exit ${result.exitCode}`}`);
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

interface RulesRequest {
  runId: string;
  bridges: string[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One helper at a time per engine and image; labs that ask while it runs are served together
 * by the next one (`up --copies 30` needs a few helpers, not thirty). Each lab's part runs
 * in a shell of its own, so one lab's failure fails that lab only.
 */
class RuleBatches {
  private waiting: RulesRequest[] = [];
  private running = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly image: string,
  ) {}

  add(runId: string, bridges: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ runId, bridges, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      // Bridge names are [a-z0-9-] (checked by the plan) and the rules hold no quote.
      const script = batch
        .map(
          (request, index) =>
            `if ! out=$(sh -ec '\n${bridgeSetup(request.bridges).join('\n')}\n' 2>&1); then printf 'failed ${index} %s\\n' "$(printf %s "$out" | tr '\\n' ' ')"; fi`,
        )
        .join('\n');
      try {
        const result = await helper(this.runtime, this.image, batch[0]!.runId, script);
        if (result.exitCode !== 0) throw new Error(result.stderr.trim() || result.stdout.trim() || `exit ${result.exitCode}`);
        const failures = new Map([...result.stdout.matchAll(/^failed (\d+) (.*)$/gm)].map((match) => [Number(match[1]), match[2]!.trim()] as const));
        batch.forEach((request, index) => {
          const failure = failures.get(index);
          if (failure === undefined) request.resolve();
          else request.reject(new Error(`could not set the lab's rules on the engine's host: ${failure}`));
        });
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        for (const request of batch) request.reject(new Error(`could not set the lab's rules on the engine's host: ${why}`));
      }
    }
    this.running = false;
  }
}

const batches = new WeakMap<Runtime, Map<string, RuleBatches>>();

/** Sets the rules of a lab's bridges (see the top of this file), together with other labs that ask meanwhile. */
export async function addBridgeRules(runtime: Runtime, image: string, runId: string, bridges: string[]): Promise<void> {
  if (bridges.length === 0) return;
  let byImage = batches.get(runtime);
  if (!byImage) batches.set(runtime, (byImage = new Map()));
  let batcher = byImage.get(image);
  if (!batcher) byImage.set(image, (batcher = new RuleBatches(runtime, image)));
  return batcher.add(runId, bridges);
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

/** A shell command printing the tool's rules that are socklab's on bridges of `prefixes`, as `-A CHAIN ...` lines. */
function ourRules(tool: 'iptables' | 'ip6tables', prefixes: readonly string[]): string {
  const bridges = prefixes.map((prefix) => `-e '-[io] ${prefix}'`).join(' ');
  return `${tool}-save -t filter 2>/dev/null | grep -E '${OURS_IN_SAVE[tool]}' | grep ${bridges}`;
}

/**
 * Deletes every rule socklab put on a bridge whose name starts with one of `prefixes` (one
 * run: `sl-<run>-`; everything socklab owns: `sl-`), IPv4 and IPv6, in one helper however
 * many runs: the rules are read with one `iptables-save` and deleted with one
 * `iptables-restore` transaction per tool. Deleting rule by rule took a command each, every
 * one reading the engine host's whole rule set again (30 labs: 210 commands). Finding them by
 * their text also removes what a crashed run left. A transaction is all or nothing, so one
 * that lost a rule to someone else meanwhile is read and tried again.
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
  if (!prefixes.every((prefix) => prefix.startsWith(BRIDGE_PREFIX) && /^[a-z0-9-]+$/.test(prefix))) {
    throw new Error(`refusing to remove rules outside ${BRIDGE_PREFIX}*`);
  }
  const script = [
    `n=0`,
    ...(['iptables', 'ip6tables'] as const).flatMap((tool) => [
      `for attempt in 1 2 3; do`,
      `  rules=$(${ourRules(tool, prefixes)})`,
      `  [ -n "$rules" ] || break`,
      `  if printf '*filter\\n%s\\nCOMMIT\\n' "$(printf '%s\\n' "$rules" | sed 's/^-A /-D /')" | ${tool}-restore --noflush; then`,
      `    n=$((n + $(printf '%s\\n' "$rules" | wc -l))); break`,
      `  fi`,
      `  [ $attempt = 3 ] && exit 1`,
      `done`,
    ]),
    `echo $n`,
  ].join('\n');
  // A keeper that is gone or broken meanwhile: a helper of its own does it.
  const inKeeper = keeper ? await runtime.exec(keeper, ['sh', '-c', script], { signal }).catch(() => undefined) : undefined;
  const result = inKeeper?.exitCode === 0 ? inKeeper : await helper(runtime, image, runId, script, signal);
  if (result.exitCode !== 0) throw new Error(`could not remove the lab's rules on the engine's host: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  return Number(result.stdout.trim()) || 0;
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
