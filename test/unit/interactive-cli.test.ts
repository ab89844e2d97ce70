// Small decisions of the interactive commands, without an engine: what `exec`
// takes as the command, and which steps `up` runs.
import { describe, expect, it } from 'vitest';
import { commandAfterHost } from '../../src/cli/commands/exec.js';
import { setupSteps } from '../../src/session/up.js';
import { checkScenarioText } from '../../src/scenario/load.js';

describe('exec', () => {
  it('drops the `--` that separates socklab from the command, and only that one', () => {
    expect(commandAfterHost(['--', 'netstat', '-tan'])).toEqual(['netstat', '-tan']);
    expect(commandAfterHost(['netstat', '-tan'])).toEqual(['netstat', '-tan']);
    expect(commandAfterHost(['--', 'sh', '-c', 'echo --', '--'])).toEqual(['sh', '-c', 'echo --', '--']);
    expect(commandAfterHost(['--'])).toEqual([]);
  });
});

describe('up', () => {
  it("runs the scenario's start steps, in order, those inside a capture included, and nothing else", () => {
    const result = checkScenarioText(
      '/lessons/up.yaml',
      Buffer.from(`
name: unit-up
networks: { lan: { subnet: 10.0.0.0/24 } }
hosts:
  server: { networks: { lan: 10.0.0.10 } }
  client: { networks: { lan: 10.0.0.20 } }
steps:
  - start: server
    id: first
    command: "sleep 100"
  - run: client
    command: "true"
  - observe: server
  - start: client
    id: second
    command: "sleep 100"
  - capture: { host: server }
    steps:
      - start: server
        id: third
        command: "sleep 100"
  - stop: first
`),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    // A start inside a capture is one too.
    expect(setupSteps(result.loaded.scenario.steps).map((step) => ('id' in step ? step.id : undefined))).toEqual(['first', 'second', 'third']);
  });
});
