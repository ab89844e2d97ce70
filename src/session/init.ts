// `socklab init [DIR]`: a starter lesson folder that passes `socklab test` as written: a
// scenario (with the modeline that points editors at socklab's schema), a TCP server and
// client in plain TypeScript, and a README saying what to change. Existing files are never
// overwritten.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { SOCKLAB_ROOT } from '../util/paths.js';

export class InitError extends Error {
  override name = 'InitError';
}

const SERVER = `// A TCP server: greets every client with a line, prints who it was, and exits after
// --count clients (default 1). Change it, then: socklab test .
import { createServer } from 'node:net';

/** The value after --NAME on the command line, or the fallback. */
const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(\`--\${name}\`);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const port = Number(flag('port', '60001'));
const count = Number(flag('count', '1'));
let served = 0;

const server = createServer((socket) => {
  console.log(\`connection from \${socket.remoteAddress?.replace('::ffff:', '')}:\${socket.remotePort}\`);
  socket.end('hello from the server\\n');
  served += 1;
  if (served >= count) server.close();
});
server.listen(port, '0.0.0.0', () => console.log(\`listening on 0.0.0.0:\${port}\`));
`;

const CLIENT = `// A TCP client: connects, prints what the server says, and exits.
import { connect } from 'node:net';

/** The value after --NAME on the command line, or the fallback. */
const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(\`--\${name}\`);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const host = flag('host', '127.0.0.1');
const port = Number(flag('port', '60001'));

const socket = connect({ host, port }, () => console.log(\`connected from \${socket.localAddress}:\${socket.localPort}\`));
socket.setEncoding('utf8');
socket.on('data', (text) => process.stdout.write(text));
socket.on('error', (error) => {
  console.error(\`connect to \${host}:\${port} failed: \${(error as NodeJS.ErrnoException).code ?? error.message}\`);
  process.exit(1);
});
`;

function scenario(name: string, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# A starter lesson: a server and a client on one network. socklab run lesson.yaml runs it;
# socklab test . checks it. The format: docs/scenario-format.md in socklab.
name: ${name}
description: A client greeted by a server on another host.
networks:
  lan: { subnet: 10.0.0.0/24 }
hosts:
  server: { networks: { lan: 10.0.0.10 } }
  client: { networks: { lan: 10.0.0.20 } }
steps:
  - start: server
    id: server
    program: server.ts
    args: ["--port", "60001"]
    wait_for: { port: 60001 }
  - observe: [server]
  - expect:
      - listening: { host: server, port: 60001 }
  - run: client
    program: client.ts
    args: ["--host", "10.0.0.10", "--port", "60001"]
    expect: { stdout: "hello from the server" }
  - wait: server
    expect: { stdout: "connection from 10.0.0.20:" }
`;
}

function readme(name: string): string {
  return `# ${name}

A socklab lesson: a TCP server and a client on two hosts of one network, 10.0.0.0/24.

    socklab run lesson.yaml     # bring the lab up, run the steps, show every host, tear down
    socklab test .              # the same, quietly: pass or fail
    socklab validate lesson.yaml

- \`lesson.yaml\`: the networks, hosts and steps, and what must hold (\`expect\`).
- \`server.ts\`, \`client.ts\`: the programs; TypeScript (or .js, or .py) beside the scenario.
  npm packages they import come from a \`node_modules/\` in this folder.

Every run leaves its folder in \`.socklab/runs/\`: each program's output, captures, and
report.html, a page with the topology and the packets' journey.
`;
}

/** Writes the starter lesson into `dir` (made if absent; an existing file there stops it). */
export async function initLesson(dir: string): Promise<string[]> {
  const target = resolve(dir);
  const base = target.split(/[\\/]/).pop() ?? 'lesson';
  const name = /^[A-Za-z][A-Za-z0-9_-]{0,30}$/.test(base) ? base : 'my-lesson';
  const schemaFile = join(SOCKLAB_ROOT, 'schema', 'scenario.schema.json');
  const fromDir = relative(target, schemaFile);
  const schema = isAbsolute(fromDir) ? schemaFile : fromDir.split('\\').join('/');
  const files: Record<string, string> = {
    'lesson.yaml': scenario(name, schema),
    'server.ts': SERVER,
    'client.ts': CLIENT,
    'README.md': readme(name),
  };
  await mkdir(target, { recursive: true });
  const there = new Set(await readdir(target));
  const clash = Object.keys(files).filter((file) => there.has(file) || existsSync(join(target, file)));
  if (clash.length) throw new InitError(`${dir} already has ${clash.join(', ')}; socklab init writes only into a folder without them.`);
  for (const [file, text] of Object.entries(files)) await writeFile(join(target, file), text, { flag: 'wx' });
  return Object.keys(files).map((file) => join(dir, file));
}
