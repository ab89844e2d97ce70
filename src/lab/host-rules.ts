// Rules socklab adds on the engine's host, and removes again.
//
// Docker's isolation rules for internal networks drop a frame bridged between two lab
// containers when its destination lies outside the bridge's subnet, which is exactly what
// routed traffic looks like (client -> router on its LAN, destined for another network).
// An ACCEPT in DOCKER-USER (Docker's chain for user rules, run before isolation) for
// traffic that enters and leaves the same lab bridge lets routing work while nothing can
// leave the bridge. The rules are set from a short-lived helper container in the host's
// network namespace, which also reaches the host when the engine runs in a VM.
import type { Runtime } from '../runtime/runtime.js';
import { BRIDGE_PREFIX, LABEL } from '../runtime/labels.js';

const acceptRule = (bridge: string) => `DOCKER-USER -i ${bridge} -o ${bridge} -j ACCEPT`;

function helper(runtime: Runtime, image: string, runId: string, script: string) {
  return runtime.runHelper({
    image,
    command: ['sh', '-c', script],
    labels: { [LABEL.run]: runId, [LABEL.helper]: 'host-rules' },
    hostNetwork: true,
    capAdd: ['NET_ADMIN'],
  });
}

export async function addBridgeRules(runtime: Runtime, image: string, runId: string, bridges: string[]): Promise<void> {
  if (bridges.length === 0) return;
  const script = bridges.map((bridge) => `iptables -I ${acceptRule(bridge)}`).join(' && ');
  const result = await helper(runtime, image, runId, script);
  if (result.exitCode !== 0) {
    throw new Error(`could not add forwarding rules for the lab bridges: ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/**
 * Deletes every DOCKER-USER rule on a bridge whose name starts with `bridgePrefix`
 * (one run: `sl-<run>-`; everything socklab owns: `sl-`). Listing and deleting by text
 * also removes rules a crashed run left behind.
 */
export async function removeBridgeRules(runtime: Runtime, image: string, runId: string, bridgePrefix: string): Promise<number> {
  if (!bridgePrefix.startsWith(BRIDGE_PREFIX)) throw new Error(`refusing to remove rules outside ${BRIDGE_PREFIX}*`);
  const script = [
    `n=0`,
    `for rule in $(iptables -S DOCKER-USER 2>/dev/null | grep -e '-i ${bridgePrefix}' | sed 's/^-A //; s/ /,/g'); do`,
    `  iptables -D $(echo "$rule" | tr , ' ') && n=$((n+1))`,
    `done`,
    `echo $n`,
  ].join('\n');
  const result = await helper(runtime, image, runId, script);
  if (result.exitCode !== 0) throw new Error(`could not remove lab forwarding rules: ${result.stderr.trim()}`);
  return Number(result.stdout.trim()) || 0;
}

/** Lists DOCKER-USER rules on socklab bridges (for `doctor` and leak checks). */
export async function listBridgeRules(runtime: Runtime, image: string): Promise<string[]> {
  const result = await helper(runtime, image, 'inspect', `iptables -S DOCKER-USER 2>/dev/null | grep -e '-i ${BRIDGE_PREFIX}' || true`);
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}
