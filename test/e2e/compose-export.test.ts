// `socklab export compose`: every bundled lesson's export is a Compose file docker-compose
// accepts (`docker-compose config`), with the lesson's subnets and fixed addresses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers.js';

const lessons = readdirSync(join(ROOT, 'scenarios')).filter((name) => name.endsWith('.yaml'));

describe('socklab export compose', () => {
  it.each(lessons)('%s: docker-compose config accepts the export', async (lesson) => {
    const exported = await runCli(['export', 'compose', `scenarios/${lesson}`]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/^not in the Compose file: the \d+ step\(s\) and their expectations/);
    const dir = mkdtempSync(join(tmpdir(), 'socklab-compose-'));
    writeFileSync(join(dir, 'docker-compose.yml'), exported.stdout);
    const config = execFileSync('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'config'], { encoding: 'utf8', cwd: dir });
    const resolved = parse(config) as { services: Record<string, { networks: Record<string, { ipv4_address: string }> }> };
    const scenario = parse(readFileSync(join(ROOT, 'scenarios', lesson), 'utf8')) as { hosts: Record<string, { networks: Record<string, string> }> };
    for (const [host, spec] of Object.entries(scenario.hosts)) {
      for (const [network, ip] of Object.entries(spec.networks)) expect(resolved.services[host]!.networks[network]!.ipv4_address).toBe(ip);
    }
  });
});
