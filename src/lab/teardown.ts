// Removing a lab, from the engine's labels alone: what a run made, what a crashed run left,
// or (with no run id) everything socklab owns. Used by teardown after a run, `down`,
// `cleanup` and the reaper.
import { BRIDGE_PREFIX, LABEL } from '../runtime/labels.js';
import { EngineError, type Runtime } from '../runtime/runtime.js';
import { busyWith } from '../util/activity.js';
import { sleep, withDeadline } from '../util/abort.js';
import { RULES_KEEPER, removeBridgeRules } from './host-rules.js';
import { settleAll } from '../util/settle.js';
import { crowd } from '../util/crowd.js';

/** Teardown's own deadline: it runs after an interruption, so it cannot use the interrupted signal. */
const TEARDOWN_TIMEOUT_MS = 20_000;

export interface TeardownReport {
  containers: number;
  networks: number;
  rules: number;
}

/**
 * Removes every container, host rule and network of one run or several at once (or, with no
 * run id, of every socklab run). Containers go first: a network cannot be removed while in
 * use. Each step is bounded in time and listed as socklab's current activity.
 */
export async function teardownRun(
  runtime: Runtime,
  image: string,
  runIds?: string | readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<TeardownReport> {
  const runs = typeof runIds === 'string' ? [runIds] : runIds;
  if (runs?.length === 0) return { containers: 0, networks: 0, rules: 0 };
  const what = !runs ? 'removing every socklab lab' : runs.length === 1 ? `removing the lab (run ${runs[0]})` : `removing ${runs.length} labs`;
  const ours = (labels: Record<string, string>) => (runs ? runs.includes(labels[LABEL.run] ?? '') : LABEL.run in labels);
  const filter = runs?.length === 1 ? { [LABEL.run]: runs[0]! } : [LABEL.run];
  // Several runs take a little longer, but far less than one after another; and longer
  // again while this process brings up or removes many labs at once (util/crowd.ts).
  const timeoutMs = options.timeoutMs ?? TEARDOWN_TIMEOUT_MS + 1_000 * Math.min(runs?.length ?? 0, 60);
  return crowd.within(timeoutMs, (limit) =>
    withDeadline(limit.ms, what, undefined, async (signal) => {
      const listed = (await runtime.listContainers(filter, { signal })).filter((container) => ours(container.labels));
      // A run's rules keeper removes the rules (one exec), then goes itself; it is on the
      // host's network, in no lab network's way.
      const keeper = listed.find((container) => container.labels[LABEL.helper] === RULES_KEEPER && container.state === 'running')?.name;
      const containers = listed.filter((container) => container.name !== keeper);
      const bridgePrefixes = runs ? runs.map((run) => `${BRIDGE_PREFIX}${run}-`) : [BRIDGE_PREFIX];
      // Host rules are text about bridge names, independent of the containers and networks:
      // they go meanwhile. Networks go once their containers are gone.
      const removeRules = async () => {
        if (!keeper && !(await runtime.findImage(image, { signal }))) return 0;
        try {
          return await busyWith('removing the rules on the engine host', () =>
            removeBridgeRules(runtime, image, runs?.[0] ?? 'cleanup', { prefixes: bridgePrefixes, keeper, signal }),
          );
        } finally {
          if (keeper) await runtime.removeContainer(keeper, { signal });
        }
      };
      const removeContainersThenNetworks = async () => {
        await settleAll(
          containers.map((container) => busyWith(`removing container ${container.name}`, () => runtime.removeContainer(container.name, { signal }))),
        );
        const networks = (await runtime.listNetworks({ signal })).filter((network) => ours(network.labels));
        await settleAll(networks.map((network) => busyWith(`removing network ${network.name}`, () => removeNetwork(runtime, network.name, signal))));
        return networks;
      };
      const rulesRemoved = removeRules();
      const networksRemoved = removeContainersThenNetworks();
      await settleAll<unknown>([rulesRemoved, networksRemoved]);
      const [rules, networks] = [await rulesRemoved, await networksRemoved];
      // The rule helper is itself a labelled container; make sure none survived an interruption.
      const helpers = (await runtime.listContainers(filter, { signal })).filter((container) => ours(container.labels));
      await settleAll(helpers.map((container) => runtime.removeContainer(container.name, { signal })));
      return { containers: containers.length, networks: networks.length, rules };
    }),
  );
}

/**
 * Removes a network, waiting a little while the engine still counts the endpoints of
 * containers it has just removed (seen with a hundred containers removed at once).
 */
async function removeNetwork(runtime: Runtime, name: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runtime.removeNetwork(name, { signal });
    } catch (error) {
      if (!(error instanceof EngineError && /active endpoints/i.test(error.engineMessage)) || attempt >= 10) throw error;
      await sleep(200 * attempt, signal);
    }
  }
}
