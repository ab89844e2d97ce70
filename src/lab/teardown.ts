// Removing a lab, from the engine's labels alone: what a run made, what a crashed run left,
// or (with no run id) everything socklab owns. Used by teardown after a run, `down`,
// `cleanup` and the reaper.
import { BRIDGE_PREFIX, LABEL } from '../runtime/labels.js';
import type { Runtime } from '../runtime/runtime.js';
import { busyWith } from '../util/activity.js';
import { withDeadline } from '../util/abort.js';
import { removeBridgeRules } from './host-rules.js';

/** Teardown's own deadline: it runs after an interruption, so it cannot use the interrupted signal. */
const TEARDOWN_TIMEOUT_MS = 20_000;

export interface TeardownReport {
  containers: number;
  networks: number;
  rules: number;
}

/**
 * Removes every container, host rule and network of one run (or, with runId undefined,
 * of every socklab run). Containers go first: a network cannot be removed while in use.
 * Each step is bounded in time and listed as socklab's current activity.
 */
export async function teardownRun(runtime: Runtime, image: string, runId?: string, options: { timeoutMs?: number } = {}): Promise<TeardownReport> {
  const what = runId ? `removing the lab (run ${runId})` : 'removing every socklab lab';
  return withDeadline(options.timeoutMs ?? TEARDOWN_TIMEOUT_MS, what, undefined, async (signal) => {
    const filter = runId ? { [LABEL.run]: runId } : [LABEL.run];
    const containers = await runtime.listContainers(filter, { signal });
    const bridgePrefix = runId ? `${BRIDGE_PREFIX}${runId}-` : BRIDGE_PREFIX;
    // Host rules and containers are independent: remove both at once; networks go last.
    const removeRules = async () =>
      (await runtime.findImage(image, { signal }))
        ? busyWith('removing the rules on the engine host', () => removeBridgeRules(runtime, image, runId ?? 'cleanup', bridgePrefix, signal))
        : 0;
    const [rules] = await Promise.all([
      removeRules(),
      settleAll(containers.map((container) => busyWith(`removing container ${container.name}`, () => runtime.removeContainer(container.name, { signal })))),
    ]);
    const networks = (await runtime.listNetworks({ signal })).filter((network) => (runId ? network.labels[LABEL.run] === runId : LABEL.run in network.labels));
    await settleAll(networks.map((network) => busyWith(`removing network ${network.name}`, () => runtime.removeNetwork(network.name, { signal }))));
    // The rule helper is itself a labelled container; make sure none survived an interruption.
    const helpers = await runtime.listContainers(filter, { signal });
    await settleAll(helpers.map((container) => runtime.removeContainer(container.name, { signal })));
    return { containers: containers.length, networks: networks.length, rules };
  });
}

/** Waits for every operation before failing, so nothing is half-removed when the error is reported. */
async function settleAll(operations: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(operations);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
