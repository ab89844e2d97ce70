// How `socklab up` and `socklab status` show labs: per lab a title line, its networks, and
// a table of hosts (name, role, networks with addresses, state, programs). Pure: formatted
// from the label data and program lists, so its layout is unit-tested without an engine.
import Table from 'cli-table3';
import type { LabStatus } from '../session/labs.js';
import { programState } from '../in-host/contract.js';
import type { ConsoleStyle } from './style.js';

const plain: Pick<ConsoleStyle, 'bold' | 'dim' | 'green' | 'red'> = {
  bold: (text) => text,
  dim: (text) => text,
  green: (text) => text,
  red: (text) => text,
};

const MAX_COMMAND = 60;
const shorten = (text: string) => (text.length > MAX_COMMAND ? `${text.slice(0, MAX_COMMAND - 1)}…` : text);

export function formatLab(lab: LabStatus, style = plain): string {
  const scenario = lab.name === lab.scenario ? '' : `  (${lab.scenario})`;
  const title = `${style.bold(lab.name)}${scenario}  run ${lab.runId}${lab.scenarioFile ? style.dim(`  ${lab.scenarioFile}`) : ''}`;
  const networks = lab.networks.map((network) => `${network.name} ${network.subnet}`).join(', ');
  if (lab.hosts.length === 0) {
    return `${title}\n  networks: ${networks || 'none'}\n  no hosts: it is being created or was left behind (socklab down ${lab.runId} removes it)\n`;
  }
  // Colours stay out of the table: cli-table3 measures them as text on some terminals.
  const table = new Table({
    head: ['host', 'role', 'networks', 'state', 'programs'],
    style: { head: [], border: [] },
  });
  for (const host of lab.hosts) {
    const addresses = Object.entries(host.ips).map(([network, ip]) => `${network} ${ip}`);
    const programs = host.programs.map((program) => `${program.id}: ${programState(program)}\n  ${shorten(program.command)}`);
    table.push([host.name, host.role, addresses.join('\n'), host.state, programs.join('\n') || '-']);
  }
  return `${title}\n  networks: ${networks}\n${table.toString()}\n`;
}

export function formatLabs(labs: LabStatus[], style = plain): string {
  if (labs.length === 0) return 'no lab is up. Start one with: socklab up SCENARIO.yaml\n';
  return labs.map((lab) => formatLab(lab, style)).join('\n');
}
