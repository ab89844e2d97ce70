// Writes docs/lessons/<lesson>.md for every lesson in scenarios/, and docs/lessons/README.md
// as their index. Each page holds what the lesson teaches and which seed it comes from
// (the LESSONS table below: the only hand-written text), its topology (from the scenario),
// the command, and the real output of a run, captured here by running
// `socklab run scenarios/<lesson>.yaml` with NO_COLOR=1; that run's report gives the page
// its pictures (<lesson>.topology.svg, and <lesson>.journey.svg when a capture crossed
// hosts). Nothing in the output is typed by hand: rerun this script after changing a
// lesson, and the page follows.
//   npx tsx scripts/write-lesson-docs.ts            all lessons
//   npx tsx scripts/write-lesson-docs.ts chat ports only these (the index is rewritten too)
// A lesson that fails is not written (its page would show a failure) and the script exits 1.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadScenario, type LoadedScenario } from '../src/scenario/load.js';
import { visitSteps, type ProgramStep, type Step } from '../src/scenario/model.js';
import { SOCKLAB_ROOT } from '../src/util/paths.js';
import { ladder } from '../src/report/ladder.js';
import type { ResultsValue } from '../src/report/results.js';
import { topologySvg } from '../src/report/topology.js';

const SCENARIOS_DIR = join(SOCKLAB_ROOT, 'scenarios');
const DOCS_DIR = join(SOCKLAB_ROOT, 'docs', 'lessons');
const CLI = join(SOCKLAB_ROOT, 'bin', 'socklab.js');

/** The five tutorials the lessons reproduce. */
const SEEDS = {
  '000': '【Python】socket通信を行う – UDP, TCP (Japanese): UDP and TCP on 127.0.0.1:50000, and the three kinds of port numbers',
  '001': 'Python クライアントサーバソケット機能 UDPプロトコル編 (Japanese): a UDP server counting its accesses, "Server accessed.(n)"',
  '002': 'Pythonでソケットを使った独自プロトコルの実装方法 (Japanese): a custom protocol over TCP, a chat server and a file transfer',
  '003': 'Python TCP/UDP socket (Korean): the TCP and UDP steps, a server and a client on port 7001',
  '004':
    '【図解あり】ソケット通信の仕組みについてわかりやすく解説! (Japanese): sockets, ports and PAT; a TCP server for five clients and a UDP server for five datagrams',
} as const;
type SeedId = keyof typeof SEEDS;

interface LessonNotes {
  seeds: SeedId[];
  /** Markdown paragraphs: what the lesson teaches, in the spirit of its seed. */
  teaches: string;
  /** What to look for in the output below. */
  lookFor: string[];
}

const LESSONS: Record<string, LessonNotes> = {
  'tcp-hello': {
    seeds: ['004'],
    teaches: `Seed 004 builds a TCP server that answers every client with \`Hello World!\` and prints the client's address, all on one laptop, where every address is 127.0.0.1. Here the server and the client are two hosts with their own addresses, so the server's \`Source IP Address\` really is somebody else.`,
    lookFor: [
      "the server's `connection from 10.0.0.20:PORT`: the client's address and the ephemeral port its kernel chose;",
      "the server's netstat: the listening socket on 0.0.0.0:60001 and the connection in TIME_WAIT (the server closed first);",
      "ps: the program runs in the server's container only.",
    ],
  },
  'tcp-echo': {
    seeds: ['000'],
    teaches: `Seed 000's TCP part: \`tcp_server.py\` binds port 50000, \`listen()\`s and \`accept()\`s in a loop, prints what arrives and sends it back with \`sendall()\`; \`tcp_client.py\` connects, sends \`b'Hello TCP'\` and prints the reply with \`repr()\`, which is why it shows as a bytes literal. These are the TypeScript versions, on two hosts.`,
    lookFor: [
      "the client's `Received b'Hello TCP'`: the echo, printed as Python's `repr()` of bytes;",
      "the server's `received from 10.20.1.20:PORT`: a new ephemeral port for each of the two connections;",
      "netstat before the client: the server LISTENs on 50000; after: the client's ends wait in TIME_WAIT (the client closed first);",
      "stopping the server with SIGINT, the seed's [control]+[C].",
    ],
  },
  'udp-hello': {
    seeds: ['000'],
    teaches: `Seed 000's UDP part: the server binds port 50000 and waits in \`recvfrom(1024)\`; the client only calls \`sendto(b'Hello UDP', ...)\` and closes. No connection, no reply: one datagram, and the server learns the sender's address from \`recvfrom()\`.`,
    lookFor: [
      'netstat: a UDP socket on 0.0.0.0:50000 has no LISTEN state and no peer;',
      "the server's `datagram from 10.20.2.20:PORT: Hello UDP`, then it exits: one `recvfrom()`, one datagram.",
    ],
  },
  'udp-counter': {
    seeds: ['001'],
    teaches: `Seed 001's server keeps a counter and answers every datagram with \`Server accessed.(n)\`; the seed runs the client again to see the count go up. The client here runs three times from its own host: three sockets, three ephemeral ports, one server that remembers.`,
    lookFor: [
      "the client's three runs: `Server accessed.(1)`, `(2)`, `(3)`;",
      "the server's lines: each datagram comes from a different port of 10.20.3.20 (each run is a new socket).",
    ],
  },
  'tcp-vs-udp-server-gone': {
    seeds: ['004'],
    teaches: `Seed 004 ends with the difference between the two protocols: TCP is connection-oriented, so a client that connects after the server has closed its socket gets an error; UDP is datagram-oriented, so a client that sends after the server is gone gets no error at all. Both servers run, serve once and exit; then both clients try again.`,
    lookFor: [
      'while the servers run, both clients get through;',
      "after they exit (netstat shows nothing on 60001 or 60002), the TCP client fails with `connect to 10.20.4.10:60001 failed: ECONNREFUSED` and exit code 1: the server's kernel answered the SYN with a reset;",
      'the UDP client still prints `sent 13 bytes` and exits 0: `sendto()` only hands the datagram to the kernel.',
    ],
  },
  'tcp-hello-five': {
    seeds: ['004'],
    teaches: `Seed 004's \`server_tcp.py\` loops \`while count < 5\`: five \`accept()\`s, each answered with \`Hello World!\` and closed, then \`s.close()\`. On one laptop the five source addresses are all 127.0.0.1; here five clients on five hosts connect one after another, so the server prints five different addresses.`,
    lookFor: [
      "the server's five `connection from 10.20.5.2X:PORT` lines, one per client host;",
      'after the fifth the server exits by itself; its netstat shows no listener, only the five connections in TIME_WAIT (the server closed each one first);',
      'a sixth client is refused.',
    ],
  },
  ports: {
    seeds: ['000'],
    teaches: `Seed 000 opens with the three kinds of port numbers: well-known (0-1023, assigned by IANA, such as 80), registered (1024-49151) and dynamic/private (49152-65535, free to use; the seed uses 50000). One server listens on one of each at once. A client's own end gets an ephemeral port that the kernel picks from its range, read here from \`/proc/sys/net/ipv4/ip_local_port_range\`. Linux's default range (32768-60999) spans part of the registered and part of the dynamic ranges.`,
    lookFor: [
      'the server labels each port with its class; netstat shows three LISTEN sockets of one process;',
      "the kernel's ephemeral range, read by `cat` and by the client;",
      'the client connects to 80, 8080 and 50000 from ephemeral local ports, never from a well-known one.',
    ],
  },
  'custom-protocol': {
    seeds: ['002'],
    teaches: `Seed 002 lists the design points of a custom protocol: a data format, error handling and security. TCP is a byte stream, so the protocol needs framing: each message here is a 6-byte header (version, type, payload length) and a UTF-8 payload. The server answers HELLO, ECHO_REQUEST and TIME_REQUEST; a frame with a wrong version, an unknown type or an oversized length gets an ERROR frame with the reason, and only that connection is closed.`,
    lookFor: [
      "the HELLO reply carries the client's address as the server saw it;",
      'each malformed frame (its header bytes are printed) is answered with `server error: ...` and exit code 3;',
      'after three bad clients the server still answers a good one;',
      "the server's TIME_WAIT connections: it closed the bad clients' connections itself.",
    ],
  },
  chat: {
    seeds: ['002'],
    teaches: `Seed 002's first application is a chat server that starts a thread per client. This one serves many clients from one event loop and relays each line to all the other clients, tagged with the sender's address. Three client hosts connect at the same time (a \`parallel\` step), wait until everyone is in, and speak in turn.`,
    lookFor: [
      "the server's netstat once all three are in: three ESTABLISHED connections to its one port 12345;",
      "each client's `got:` lines: the two other clients' lines, each with its sender's real address, never its own;",
      "the server's join, says and leave lines.",
    ],
  },
  'file-transfer': {
    seeds: ['002'],
    teaches: `Seed 002's second application receives a file: \`recv(1024)\` until the sender closes, writing each chunk. Here 10 MB go from one host to another, streamed (never held in memory whole), and the SHA-256 is computed on both ends. The data is generated from a fixed seed, so its digest is known in advance; both programs compute it again at run time from the bytes they actually sent or received, and \`sha256sum\` checks the file written on the receiver.`,
    lookFor: [
      "the sender's and the receiver's `sha256=` are the same, and so is `sha256sum` of the written file;",
      "the receiver's peak RSS: the memory it needed for 10 MB (scripts/bench-file-transfer.ts measures 100 MB and 300 MB).",
    ],
  },
  'tcp-exchange': {
    seeds: ['003'],
    teaches: `Seed 003 lists the TCP steps: the server opens a socket and waits, the client opens one and asks to connect, the server accepts, and they exchange data. Its server on port 7001 accepts one connection, prints the client's message, answers \`Hello, i'm server!\` and closes.`,
    lookFor: [
      "the client: `Connection Success..` and the server's answer;",
      "the server: the client's address and message, then it exits; its netstat shows the connection no longer established (in TIME_WAIT on whichever end closed first).",
    ],
  },
  'udp-echo': {
    seeds: ['003'],
    teaches: `Seed 003's UDP steps: both sides open a socket; the client sends to the server's port; the server reads the datagram with \`recvfrom()\`, which also gives it the sender's address, and sends the data back there with \`sendto()\`. The client prints the data and the address it came from, like the seed's \`print(data.decode(), addr)\`.`,
    lookFor: [
      "the client's `Hello! ('10.20.11.10', 7001)`: the reply came from the server's real address;",
      "the server's `datagram from 10.20.11.20:PORT` and `echoed 6 bytes`, then it exits.",
    ],
  },
  'python-udp-hello': {
    seeds: ['000'],
    teaches: `Seed 000's own Python \`udp_server.py\` and \`udp_client.py\`, changed only in address: the server binds 0.0.0.0 instead of 127.0.0.1, and the client takes the server's address as its first argument. The seed's \`print(data, addr)\` now shows a real remote address.`,
    lookFor: [
      "the server's `b'Hello UDP' ('10.20.12.20', PORT)`: Python's bytes literal and the sender's address tuple;",
      'the start times printed with `datetime`, as in the seed.',
    ],
  },
  'python-tcp-echo': {
    seeds: ['000'],
    teaches: `Seed 000's own Python \`tcp_server.py\` (an accept loop that echoes with \`sendall()\`) and \`tcp_client.py\` (\`print('Received', repr(data))\`), changed only in address. The server runs until it is stopped, as in the seed.`,
    lookFor: ["the client's `Received b'Hello TCP'`;", "the server's `b'Hello TCP' ('10.20.13.20', PORT)`;", 'netstat and ps: `python3` listening on 50000.'],
  },
  'python-udp-counter': {
    seeds: ['001'],
    teaches: `Seed 001's own Python server (「ソケット-サーバ機能(003)」) and client (「ソケット-クライアント機能(004)」), with their Japanese messages, changed only in address. The client runs three times, as the seed suggests ("再度クライアントを実行すると").`,
    lookFor: [
      "the client's `サーバからの受信データ Server accessed.(1)`, `(2)`, `(3)`;",
      "the server's `送信メッセージ= Server accessed.(n)` and `メッセージ送信完了` for each.",
    ],
  },
  'python-tcp-exchange': {
    seeds: ['003'],
    teaches: `Seed 003's own Python TCP server and client (port 7001), changed only in address. One connection, one message each way; the server prints the client's address tuple with the seed's own spelling, \`by Connetcion..\`.`,
    lookFor: [
      "the server's `('10.20.15.20', PORT) by Connetcion..` and `Server : Data Received : Hello, i'm client!`;",
      "the client's `Client : Data Received :  Hello, i'm server!` (two spaces: `print` adds one after the seed's colon and space).",
    ],
  },
  'python-udp-echo': {
    seeds: ['003'],
    teaches: `Seed 003's own Python UDP server and client, changed only in address. The server prints nothing: one \`recvfrom(200)\`, one \`sendto()\` back to the sender, \`close()\`.`,
    lookFor: ["the client's `Hello! ('10.20.16.10', 7001)`;", 'the server exits with no output.'],
  },
  'python-tcp-hello-five': {
    seeds: ['004'],
    teaches: `Seed 004's own Python \`server_tcp.py\` and \`client_tcp.py\`, changed only in address, with five client hosts. After five connections the server closes its socket, and, as the seed says, a TCP client that asks after that gets an error: with the seed's client, Python's \`ConnectionRefusedError\` traceback.`,
    lookFor: [
      "the server's five `Source IP Address: ('10.20.17.2X', PORT)` lines;",
      "each client prints `b'Hello World!'`;",
      'the sixth client: `ConnectionRefusedError: [Errno 111] Connection refused`, exit code 1.',
    ],
  },
  'python-udp-five': {
    seeds: ['004'],
    teaches: `Seed 004's own Python \`server_udp.py\` (five \`recvfrom()\`s, then \`close()\`) and \`client_udp.py\` (one \`sendto()\`), changed only in address. Two client hosts send five datagrams between them; the server prints each with its sender and exits. Then, as the seed says, a UDP client that sends after the server is gone gets no error.`,
    lookFor: [
      "the server's five `b'Hello Server!' (ADDRESS, PORT)` lines from two addresses;",
      'the last client, after the server has exited, exits 0 with nothing on stderr.',
    ],
  },
  'interop-tcp-echo': {
    seeds: ['000'],
    teaches: `Interop: seed 000's Python \`tcp_client.py\` against the TypeScript echo server. A socket carries bytes, not languages: the Python client's \`b'Hello TCP'\` arrives as the same nine bytes in Node, and the echo comes back to Python's \`repr()\`.`,
    lookFor: [
      'the client is Python (its `datetime` start line) and the server is Node (ps on the server);',
      "the server's `received from 10.20.19.20:PORT: b'Hello TCP'`.",
    ],
  },
  'interop-udp-counter': {
    seeds: ['001'],
    teaches: `Interop the other way round: the TypeScript UDP client against seed 001's own Python counter server. Three runs of the Node client get 1, 2 and 3 from the Python server.`,
    lookFor: [
      "the client's `received: Server accessed.(1)`, `(2)`, `(3)`;",
      "the Python server's `送信メッセージ= ...` lines; ps shows `python3 -u .../seed001_udp_server.py`.",
    ],
  },
  'nat-pat': {
    seeds: ['004'],
    teaches: `Seed 004 explains that a router translates a LAN's private address and port into its public ones (PAT), and that the server side's gateway forwards its public 34.111.64.3:80 to the server's 10.10.10.67:60001. This lesson builds that picture with real routers: a client on a private LAN behind router A (masquerade), "the Internet" in a documentation range, and router B forwarding port 80 to the server.`,
    lookFor: [
      "the client thinks it talks to 203.0.113.3:80; the server sees the connection coming from router A's public 203.0.113.1, never from 192.168.0.10;",
      'conntrack on each router: the original and the translated addresses;',
      'the capture on router A: each packet on the LAN side, then again, translated, on the Internet side;',
      'the `who sees what` table at the end, hop by hop.',
    ],
  },
  'bind-localhost': {
    seeds: ['000', '004'],
    teaches: `The seeds' servers bind \`127.0.0.1\` (or \`localhost\`): on one laptop, where client and server share the loopback interface, that works. A break-it lesson: moved to two hosts, the same server is out of reach. Only the server's own host can reach its loopback address; from the client, nothing listens on 10.0.0.10:60001 and the server's kernel refuses the connection. Binding \`0.0.0.0\` (every address of the host) is the fix, and the lesson checks it.`,
    lookFor: [
      'the expectations after the first start: listening on 127.0.0.1:60001, and nothing on 10.0.0.10:60001;',
      "the client's `ECONNREFUSED`: the server's kernel answered the SYN with a reset;",
      'the same client program on the server itself reaches 127.0.0.1 and is greeted;',
      'after the fix, the server prints `connection from 10.0.0.20:PORT`.',
    ],
  },
  'routed-two-hops': {
    seeds: ['004'],
    teaches: `Seed 004 draws routers between the client and the server and lets them translate addresses. Before translation there is routing: this lesson has two routers and no NAT. Each router knows the far network through the other (a static route each), every packet's TTL drops by one per router, and the server sees the client's own address, since nobody rewrote it.`,
    lookFor: [
      "`ip route` on every host: the client's and the server's default routes, each router's static route to the far side;",
      "ping's `ttl=62`: Linux sends 64, each router takes one;",
      "tracepath's hops: 10.1.0.1, then 10.2.0.2, then the server, found by the TTL it sets on each probe;",
      "the server's `connection from 10.1.0.10:PORT` and r1's conntrack: the same addresses before and after the router.",
    ],
  },
  'udp-unreachable': {
    seeds: ['003', '004'],
    teaches: `Seed 004 notes that a UDP client's send succeeds when no server listens, where a TCP client is refused. What really comes back: the server's kernel answers the datagram with an ICMP "port unreachable", as surely as it answers a TCP SYN with a reset. Whether a program hears of it depends on the socket. Seed 003's UDP client, unchanged, \`sendto()\`s and then waits in \`recvfrom()\` for ever; socklab's client gives up after two seconds; the same client with \`connect()\` first is told \`ECONNREFUSED\`. The capture on the client's side counts the three datagrams, the three ICMP answers, the SYN and its reset.`,
    lookFor: [
      "the server's netstat: nothing listens there at all;",
      'the capture: each datagram to 10.0.0.10:7001 followed by `ICMP 10.0.0.10 udp port 7001 unreachable` (tcpdump reads port 7001 as the AFS protocol, hence `[|rx]`);',
      "the unconnected client's `no reply ... within 2s` next to the connected one's `ECONNREFUSED`: the same ICMP answer, heard only by a connected socket;",
      "seed 003's Python client still running after its answer came back, until it is stopped;",
      'the SYN and the `[R.]` reset: TCP is refused in one round trip.',
    ],
  },
  'tcp-vs-udp-loss': {
    seeds: ['004'],
    teaches: `Seed 004 sets TCP, which is reliable, against UDP, which is not, in a table. This lesson makes the difference happen: the link between the two hosts loses 10% of the packets that arrive on it (an \`impair\` on the network). Over TCP, 1 MB goes across and the SHA-256 on both ends is the same: the sender's kernel noticed what was lost and sent it again, and its own counters say how often. Over UDP, 200 datagrams leave (the capture on the sender counts them) and the receiver gets what arrives; nothing is sent again, and nobody is told.`,
    lookFor: [
      'the two SHA-256 digests of the TCP transfer: equal, though packets were lost;',
      '`TcpRetransSegs` on the sender: the segments it sent again, about one in ten of the some 700 it sent (the number changes from run to run);',
      "the receiver's `received N datagram(s)`: fewer than 200, a different N each run; the capture's 200 on the sender's side;",
      'the UDP sender: every `sendto()` succeeded; losing a datagram is silent.',
    ],
  },
  'nat-hole-punching': {
    seeds: ['004'],
    teaches: `Seed 004's PAT lets many hosts share one public address, and explains why a server behind a NAT cannot be reached from outside. Two peers behind two NATs can still talk directly, if each sends first: UDP hole punching. Each peer tells a public rendezvous server HELLO; the server sees each one's public address and port (what its NAT made of it) and tells each the other's. Then both send to each other: a's first packet opens nat-a to answers from b, b's opens nat-b to answers from a, and soon both get through. That works when a NAT keeps a host's port for every destination (port-preserving, nat-a and nat-b). nat-c is symmetric: it gives each destination another port, so the port the rendezvous told b about leads nowhere, and c's packets come from a port b's NAT never opened.`,
    lookFor: [
      "the rendezvous's `peer a at 203.0.113.1:40000`: nat-a kept the peer's own port; `peer c at 203.0.113.3:NNNNN`: nat-c did not;",
      "each peer's `punch from ...` and `hole punched`: a and b talk directly, through both NATs, with no server in between;",
      "nat-a's conntrack: the flows to the rendezvous and to b both leave as 203.0.113.1:40000;",
      "nat-c's conntrack: another public port toward b than toward the rendezvous, and the `no packet from peer` of c and b2.",
    ],
  },
  'pat-two-clients': {
    seeds: ['004'],
    teaches: `Seed 004's PAT says that the router tells its LAN's hosts apart by port: many private addresses share one public address, each connection with a port of its own. Here two clients on one LAN, alice and bob, both bind the same local port 50000 before connecting to one server on "the Internet". Both leave the router as 203.0.113.1; the router keeps 50000 for the first and must give the second another port, or the server could not tell them apart.`,
    lookFor: [
      "each client's `local address 192.168.0.1X:50000`: on its own host, each end really is port 50000;",
      "the router's conntrack: two flows from :50000, both leaving as 203.0.113.1, one of them with a new port;",
      "the server's netstat: two connections from 203.0.113.1, one from port 50000 and one from the port the router chose;",
      'the expectations that count it: one remote address, two different remote ports, exactly one still 50000.',
    ],
  },
};

/** Runs `socklab run FILE` with NO_COLOR and returns everything it printed, in order. */
function captureRun(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', file], {
      cwd: SOCKLAB_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The programs or commands each host runs, in step order. */
function whatRuns(steps: readonly Step[]): Map<string, string[]> {
  const perHost = new Map<string, string[]>();
  const note = ({ host, program }: ProgramStep) => {
    if (!program) return;
    const what = program.kind === 'file' ? `\`${basename(program.written)}\`` : 'a shell command';
    const list = perHost.get(host) ?? [];
    if (!list.includes(what)) list.push(what);
    perHost.set(host, list);
  };
  visitSteps(steps, { start: note, run: note });
  return perHost;
}

function topology(loaded: LoadedScenario): string {
  const { scenario } = loaded;
  const runs = whatRuns(scenario.steps);
  const networks = Object.entries(scenario.networks)
    .map(([name, network]) => `| ${name} | ${network.subnet} | ${network.description ?? ''} |`)
    .join('\n');
  const hosts = Object.entries(scenario.hosts)
    .map(([name, host]) => {
      const addresses = Object.entries(host.networks)
        .map(([network, ip]) => `${ip} (${network})`)
        .join(', ');
      return `| ${name} | ${host.role} | ${addresses} | ${(runs.get(name) ?? []).join(', ') || '-'} |`;
    })
    .join('\n');
  return `| network | subnet | description |\n|---|---|---|\n${networks}\n\n| host | role | address | runs |\n|---|---|---|---|\n${hosts}`;
}

/** The pictures of a lesson from the report of its run: the topology, and the journey of its first conversation crossing hosts. */
interface Drawings {
  topology: string;
  journey?: { svg: string; caption: string };
}

function drawings(results: ResultsValue): Drawings {
  const found = results.journeys.flatMap((capture) => capture.conversations.map((conversation) => ({ capture, conversation })));
  const first = found.find(({ conversation }) => conversation.lanes.length > 1);
  return {
    topology: topologySvg(results.topology),
    ...(first
      ? {
          journey: {
            svg: ladder(first.conversation).svg,
            caption: `The ${first.conversation.protocol.toUpperCase()} conversation ${first.conversation.from} → ${first.conversation.to} as the capture of ${first.capture.step} recorded it: one arrow per packet per network it crossed, with the addresses it carried there, and where a router rewrote them. The run's report.html steps through it packet by packet.`,
          },
        }
      : {}),
  };
}

function page(loaded: LoadedScenario, notes: LessonNotes, output: string, drawings: Drawings): string {
  const { scenario } = loaded;
  const relativeFile = `scenarios/${basename(loaded.file)}`;
  const seeds = notes.seeds.map((id) => `- seed ${id}: ${SEEDS[id]}`).join('\n');
  return `<!-- Generated by scripts/write-lesson-docs.ts from ${relativeFile} and a real run. Edit the script or the scenario and rerun it; do not edit this file. -->
# ${scenario.name}

${(scenario.description ?? '').replace(/\s+/g, ' ').trim()}

From:
${seeds}

## What it teaches

${notes.teaches}

## Topology

![The topology of ${scenario.name}](${scenario.name}.topology.svg)

${topology(loaded)}
${
  drawings.journey
    ? `
## The journey of its packets

${drawings.journey.caption}

![The packets of ${scenario.name}, hop by hop](${scenario.name}.journey.svg)
`
    : ''
}
## Run it

\`\`\`sh
npx socklab run ${relativeFile}
\`\`\`

Scenario: [${relativeFile}](../../${relativeFile}). All the bundled lessons at once: \`npx socklab test scenarios/\`.

## What to look for

${notes.lookFor.map((line) => `- ${line}`).join('\n')}

## Real output

Captured from \`socklab run ${relativeFile}\` with \`NO_COLOR=1\`. Ephemeral ports, times, process ids and the run id differ from run to run. A background program's lines can appear a little after the step that caused them: socklab follows its output while the next steps run.

\`\`\`text
${output.trimEnd()}
\`\`\`
`;
}

function index(entries: { name: string; seeds: SeedId[]; description: string }[]): string {
  const rows = entries.map((entry) => `| [${entry.name}](${entry.name}.md) | ${entry.seeds.join(', ')} | ${entry.description} |`).join('\n');
  const seeds = (Object.entries(SEEDS) as [SeedId, string][]).map(([id, title]) => `- ${id}: ${title}`).join('\n');
  return `<!-- Generated by scripts/write-lesson-docs.ts; do not edit. -->
# Lessons

Each lesson is a scenario in [scenarios/](../../scenarios/) that checks itself. List them with \`npx socklab list\`; run one with \`npx socklab run scenarios/LESSON.yaml\`; check all of them with \`npx socklab test scenarios/\`.

| lesson | seed | what it shows |
|---|---|---|
${rows}

The seeds, the five socket tutorials these lessons reproduce across real hosts:

${seeds}
`;
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const files = readdirSync(SCENARIOS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(SCENARIOS_DIR, name));
  const loaded = await Promise.all(files.map((file) => loadScenario(file)));
  const missing = loaded.filter((l) => !LESSONS[l.scenario.name]).map((l) => l.scenario.name);
  if (missing.length > 0) {
    process.stderr.write(`no notes for ${missing.join(', ')}: add them to LESSONS in scripts/write-lesson-docs.ts\n`);
    return 1;
  }
  const unknown = only.filter((name) => !loaded.some((l) => l.scenario.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`no such lesson: ${unknown.join(', ')}\n`);
    return 1;
  }
  mkdirSync(DOCS_DIR, { recursive: true });
  let failures = 0;
  for (const lesson of loaded) {
    const { name } = lesson.scenario;
    if (only.length > 0 && !only.includes(name)) continue;
    process.stdout.write(`${name}: running... `);
    const { code, output } = await captureRun(lesson.file);
    if (code !== 0) {
      failures += 1;
      process.stdout.write(`FAILED (exit ${code}); page not written\n${output}\n`);
      continue;
    }
    // The run's own report: its topology and journey become the page's pictures.
    const folder = /report, captures and program output: (\S+)\//.exec(output)?.[1];
    const results = JSON.parse(readFileSync(join(SOCKLAB_ROOT, folder!, 'report.json'), 'utf8')) as ResultsValue;
    const pictures = drawings(results);
    writeFileSync(join(DOCS_DIR, `${name}.topology.svg`), `${pictures.topology}\n`);
    if (pictures.journey) writeFileSync(join(DOCS_DIR, `${name}.journey.svg`), `${pictures.journey.svg}\n`);
    else rmSync(join(DOCS_DIR, `${name}.journey.svg`), { force: true });
    writeFileSync(join(DOCS_DIR, `${name}.md`), page(lesson, LESSONS[name]!, output, pictures));
    process.stdout.write(`written docs/lessons/${name}.md\n`);
  }
  const entries = loaded.map((l) => ({
    name: l.scenario.name,
    seeds: LESSONS[l.scenario.name]!.seeds,
    description: (l.scenario.description ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|'),
  }));
  writeFileSync(join(DOCS_DIR, 'README.md'), index(entries));
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`write-lesson-docs: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
