// Labels on every Docker object socklab creates. They are the lab's only state: `status`,
// `exec`, `down` and `cleanup` find everything from the engine, never from a local file.
export const LABEL = {
  run: 'socklab.run',
  scenario: 'socklab.scenario',
  /** The lab's name: the scenario's, or its own (`up --name`, `--copies`). */
  lab: 'socklab.lab',
  scenarioFile: 'socklab.scenario-file',
  host: 'socklab.host',
  role: 'socklab.role',
  network: 'socklab.network',
  bridge: 'socklab.bridge',
  helper: 'socklab.helper',
  /** The socklab process that made the object (lab/ownership.ts): whether a run is still in progress. */
  owner: 'socklab.owner',
  /** 'true' on a lab left up on purpose (`up`, `run --keep`): never a leftover. */
  keep: 'socklab.keep',
  /** How many hosts the lab has, to tell a whole lab from a half-made one. */
  hosts: 'socklab.hosts',
  /** A host's memory limit in bytes, to word out-of-memory kills in attached labs. */
  memory: 'socklab.memory',
  /** A host's lesson addresses (`lan=192.168.0.10,wan=...`): the engine knows only its transit ones. */
  addresses: 'socklab.addresses',
  /** A network's lesson subnet: the engine's subnet for it is a transit one. */
  subnet: 'socklab.subnet',
} as const;

/** Prefix of every lab bridge on the engine's host; also how leftover host rules are found. */
export const BRIDGE_PREFIX = 'sl-';
