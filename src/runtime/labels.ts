// Labels on every Docker object socklab creates. They are the lab's only state: `status`,
// `exec`, `down` and `cleanup` find everything from the engine, never from a local file.
export const LABEL = {
  run: 'socklab.run',
  scenario: 'socklab.scenario',
  scenarioFile: 'socklab.scenario-file',
  host: 'socklab.host',
  role: 'socklab.role',
  network: 'socklab.network',
  bridge: 'socklab.bridge',
  helper: 'socklab.helper',
} as const;

/** Prefix of every lab bridge on the engine's host; also how leftover host rules are found. */
export const BRIDGE_PREFIX = 'sl-';
