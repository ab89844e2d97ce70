// Benchmark: the file-transfer lesson's programs moving 100 MB between two lab hosts,
// with the receiver's memory watched while it runs. The claim under test: the
// receiver streams (socket -> SHA-256 -> file), so its peak memory stays under 100 MB
// however big the file is.
//
// Figures, all measured in the same run on the same two hosts:
// - the receiver's peak RSS as the program reports it (its own sampler, every 25 ms) and
//   as `ps -o rss` sees it from outside (every 50 ms), plus the container's memory from
//   its cgroup (total, which includes the file being written: /tmp is in the host's memory; and the
//   anonymous part, which is the processes' own memory);
// - the same transfer of 1 MB (the floor: the program's own memory) and of 300 MB (does
//   memory grow with the file? the 300/100 ratio should be about 1);
// - time baselines: raw TCP with netcat (100 MB of zeros between the same hosts) and
//   writing 100 MB to the receiver's /tmp (in its memory) with head.
// The SHA-256 printed by the sender, by the receiver and computed by sha256sum on the
// written file must be equal. Times are wall times of the steps as seen from the CLI
// (docker exec overhead included, the same for every step).
// Exit 1 if the memory limit or the checksums fail. Not a timed test: a script that prints.
//   npx tsx scripts/bench-file-transfer.ts
import { join } from 'node:path';
import { ensureLabImage } from '../src/image/lab-image.js';
import { RecordingReporter, type Reporter } from '../src/lab/reporter.js';
import { runLesson } from '../src/session/lesson.js';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { checkScenarioText } from '../src/scenario/load.js';
import { formatIssue } from '../src/scenario/issues.js';
import { SOCKLAB_ROOT } from '../src/util/paths.js';

const MB = 1024 * 1024;
const LIMIT_MB = 100;
/** 1 MB: the floor (the program's own size); 100 MB: the claim; 300 MB: does it grow further? */
const SIZES_MB = [1, 100, 300] as const;
const RECEIVER = '10.22.0.10';

/**
 * Samples the receiver host every 50 ms into FILE: the largest RSS of a node process (kB),
 * the cgroup's memory in bytes (v2 memory.current or v1 memory.usage_in_bytes) and its
 * anonymous part (v2 `anon`, v1 `rss` in memory.stat).
 */
const sampler = (file: string) =>
  [
    'while :; do',
    '  rss=$(ps -o rss= -C node | sort -n | tail -1)',
    '  total=$(cat /sys/fs/cgroup/memory.current 2>/dev/null || cat /sys/fs/cgroup/memory/memory.usage_in_bytes)',
    '  stat=/sys/fs/cgroup/memory.stat; [ -f $stat ] || stat=/sys/fs/cgroup/memory/memory.stat',
    `  anon=$(awk '$1=="anon" || $1=="rss" {print $2; exit}' $stat)`,
    `  echo "\${rss:-0} \${total:-0} \${anon:-0}" >> ${file}`,
    '  sleep 0.05',
    'done',
  ].join('\n');

/** Peaks of the sampler's columns, printed as `samples=N rss_kb=X total=Y anon=Z`. */
const peaks = (file: string) =>
  `awk 'BEGIN{r=0;t=0;a=0} {n++; if($1>r)r=$1; if($2>t)t=$2; if($3>a)a=$3} END{print "samples=" n " rss_kb=" r " total=" t " anon=" a}' ${file}`;

const q = (text: string) => JSON.stringify(text);

/** One transfer of `bytes` with the memory sampler running on the receiver. */
function transferSteps(tag: string, bytes: number, seed: number): string {
  return `
  - start: receiver
    id: receive-${tag}
    program: programs/file-receive.ts
    args: ["--port", "12345", "--out", "/tmp/received-${tag}.bin"]
    wait_for: listening
  - start: receiver
    id: sampler-${tag}
    command: ${q(sampler(`/tmp/memory-${tag}.txt`))}
  - run: sender
    id: send-${tag}
    program: programs/file-send.ts
    args: ["--host", "${RECEIVER}", "--port", "12345", "--generate-bytes", "${bytes}", "--seed", "${seed}"]
    timeout: 300s
  - wait: receive-${tag}
    timeout: 60s
    expect: { stdout: { regex: "^received ${bytes} bytes .* peak rss [0-9.]+ MB$" } }
  - stop: sampler-${tag}
  - run: receiver
    command: ${q(`${peaks(`/tmp/memory-${tag}.txt`)} && sha256sum /tmp/received-${tag}.bin && rm /tmp/received-${tag}.bin`)}`;
}

const SCENARIO = `
name: bench-file-transfer
description: 100 MB with the file-transfer lesson's programs; the receiver's memory sampled while it runs
networks:
  lan: { subnet: 10.22.0.0/24 }
hosts:
  # The received files go to /tmp, which lives in the host's memory: room for the largest.
  receiver: { networks: { lan: ${RECEIVER} }, limits: { memory: 1500m } }
  sender: { networks: { lan: 10.22.0.20 } }
steps:
  # Baselines for time: raw TCP between the same hosts, and writing to the receiver's /tmp.
  - start: receiver
    id: nc-sink
    command: "nc -l -p 5001 > /dev/null"
    wait_for: { port: 5001 }
  - run: sender
    id: nc-100m
    command: "head -c ${100 * MB} /dev/zero | nc -N ${RECEIVER} 5001"
    timeout: 300s
  - wait: nc-sink
  - run: receiver
    id: disk-100m
    command: "head -c ${100 * MB} /dev/zero > /tmp/zeros.bin && sync && rm /tmp/zeros.bin"
    timeout: 300s
${SIZES_MB.map((size) => transferSteps(`${size}m`, size * MB, 7)).join('\n')}
`;

/** Records events, and when each step started and each verdict came (for step times). */
class TimingReporter extends RecordingReporter implements Reporter {
  readonly stepStarted = new Map<string, number>();
  readonly stepEnded = new Map<string, number>();
  override step(label: string, description: string): void {
    this.stepStarted.set(label, performance.now());
    super.step(label, description);
  }
  override verdict(verdict: Parameters<Reporter['verdict']>[0]): void {
    this.stepEnded.set(verdict.step, performance.now());
    super.verdict(verdict);
  }
  /** Seconds of the run step whose description contains `text`. */
  secondsOf(text: string): number {
    const event = this.events.find((e) => e.kind === 'step' && e.description.includes(text));
    if (!event || event.kind !== 'step') throw new Error(`no step ${text}`);
    const start = this.stepStarted.get(event.label);
    const end = this.stepEnded.get(event.label);
    if (start === undefined || end === undefined) throw new Error(`step ${event.label} has no time`);
    return (end - start) / 1000;
  }
  lines(host: string): string[] {
    return this.events.flatMap((e) => (e.kind === 'output' && e.host === host && e.stream === 'stdout' ? [e.line] : []));
  }
}

function mustMatch(lines: string[], pattern: RegExp, what: string): RegExpExecArray {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match) return match;
  }
  throw new Error(`${what} not found in the output:\n${lines.join('\n')}`);
}

async function main(): Promise<number> {
  const file = join(SOCKLAB_ROOT, 'scripts', 'bench-file-transfer.yaml'); // virtual: never written
  const checked = checkScenarioText(file, Buffer.from(SCENARIO));
  if (!checked.ok) throw new Error(checked.issues.map(formatIssue).join('\n'));
  const runtime = new DockerRuntime();
  const { ref: image } = await ensureLabImage(runtime, (line) => process.stderr.write(`[image] ${line}\n`));
  const reporter = new TimingReporter();
  process.stdout.write(`running ${SIZES_MB.join(', ')} MB transfers and the baselines between two lab hosts...\n`);
  const outcome = await runLesson({ runtime, loaded: checked.loaded, image, reporter });
  const failed = outcome.verdicts.filter((v) => v.failures.length > 0);
  if (outcome.error || failed.length > 0) {
    throw new Error(
      `the benchmark run failed: ${[outcome.error?.message, ...failed.map((v) => `${v.step}: ${v.subject}: ${v.failures.join('; ')}`)].filter(Boolean).join('\n')}`,
    );
  }

  const receiver = reporter.lines('receiver');
  const sender = reporter.lines('sender');
  const figures = (tag: string, bytes: number) => {
    const own = mustMatch(
      receiver,
      new RegExp(`^received ${bytes} bytes from \\S+ sha256=([0-9a-f]{64}) peak rss ([0-9.]+) MB$`),
      `the receiver's report for ${tag}`,
    );
    const sent = mustMatch(sender, new RegExp(`^sent ${bytes} bytes sha256=([0-9a-f]{64})$`), `the sender's report for ${tag}`);
    const sampled = mustMatch(receiver, /^samples=(\d+) rss_kb=(\d+) total=(\d+) anon=(\d+)$/, `the memory samples for ${tag}`);
    receiver.splice(receiver.indexOf(sampled[0]), 1); // the next transfer's summary comes after
    const onDisk = mustMatch(receiver, new RegExp(`^([0-9a-f]{64})  /tmp/received-${tag}\\.bin$`), `sha256sum of the ${tag} file`);
    return {
      seconds: reporter.secondsOf(`--generate-bytes ${bytes} `),
      ownPeakMb: Number(own[2]),
      psPeakMb: Number(sampled[2]) / 1024,
      samples: Number(sampled[1]),
      cgroupTotalMb: Number(sampled[3]) / MB,
      cgroupAnonMb: Number(sampled[4]) / MB,
      hashes: [sent[1]!, own[1]!, onDisk[1]!],
    };
  };
  const runs = SIZES_MB.map((size) => ({ size, ...figures(`${size}m`, size * MB) }));
  const [small, claim, large] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  const ncSeconds = reporter.secondsOf('nc -N');
  const diskSeconds = reporter.secondsOf('/tmp/zeros.bin');

  const f1 = (n: number) => n.toFixed(1);
  const row = (label: string, values: string[], note = '') => `  ${label.padEnd(30)}${values.map((value) => value.padStart(10)).join('')}  ${note}\n`;
  let out = `\nfile transfer between two lab hosts (10.22.0.20 -> ${RECEIVER}), run ${outcome.runId}\n`;
  out += row(
    '',
    runs.map((r) => `${r.size} MB`),
  );
  out += row(
    'transfer time (s)',
    runs.map((r) => r.seconds.toFixed(2)),
    'file-send step, wall time',
  );
  out += row(
    'throughput (MB/s)',
    runs.map((r) => f1(r.size / r.seconds)),
  );
  out += row(
    'receiver peak RSS, own (MB)',
    runs.map((r) => f1(r.ownPeakMb)),
    'file-receive samples itself every 25 ms',
  );
  out += row(
    'receiver peak RSS, ps (MB)',
    runs.map((r) => f1(r.psPeakMb)),
    `ps -o rss every 50 ms (${runs.map((r) => r.samples).join('/')} samples)`,
  );
  out += row(
    'container memory, anon (MB)',
    runs.map((r) => f1(r.cgroupAnonMb)),
    "cgroup: the processes' own memory",
  );
  out += row(
    'container memory, total (MB)',
    runs.map((r) => f1(r.cgroupTotalMb)),
    'cgroup: plus the written file (/tmp is in memory)',
  );
  out += `\nbaselines, 100 MB in the same run:\n`;
  out += `  raw TCP, netcat between the same hosts: ${ncSeconds.toFixed(2)} s (${f1(100 / ncSeconds)} MB/s)\n`;
  out += `  writing 100 MB to the receiver's /tmp:  ${diskSeconds.toFixed(2)} s (${f1(100 / diskSeconds)} MB/s)\n`;
  out += `\nratios:\n`;
  out += `  receiver peak RSS, 100 MB / 1 MB:  ${(claim.ownPeakMb / small.ownPeakMb).toFixed(2)} (above 1: socket read buffers wait for the garbage collector)\n`;
  out += `  receiver peak RSS, 300 MB / 100 MB: ${(large.ownPeakMb / claim.ownPeakMb).toFixed(2)} (about 1: memory does not grow with the file)\n`;
  out += `  100 MB transfer time, file-send / netcat: ${(claim.seconds / ncSeconds).toFixed(2)} (generating the data in JavaScript, SHA-256 on both ends, writing the file)\n`;

  const peak = Math.max(claim.ownPeakMb, claim.psPeakMb);
  const hashesAgree = runs.every((r) => new Set(r.hashes).size === 1);
  out += `\nchecksums (sender, receiver, sha256sum of the written file): ${hashesAgree ? 'equal' : 'DIFFERENT'} for ${runs.map((r) => `${r.size} MB`).join(', ')}\n`;
  out += `  100 MB: ${claim.hashes.join(' / ')}\n`;
  const memoryOk = peak < LIMIT_MB;
  out += `receiver peak memory for 100 MB: ${f1(peak)} MB, limit ${LIMIT_MB} MB: ${memoryOk ? 'PASS' : 'FAIL'}\n`;
  process.stdout.write(out);
  return memoryOk && hashesAgree ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench-file-transfer: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
