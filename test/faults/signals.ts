// Signals at random moments of a whole lesson (nat-pat: four hosts, three networks, routers
// with NAT, a capture): during bring-up, the steps and teardown. SIGINT, SIGTERM and SIGHUP
// must tear the lab down within 5 s; after SIGKILL the reaper must within 30 s. Nothing may
// be left, and nothing may crash.
import { sleep } from '../../src/util/abort.js';
import { crashed, leftoversAfter, osSignal, random, socklabObjects, startSocklab, type Section } from './common.js';

const LESSON = 'scenarios/nat-pat.yaml';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const;
const EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const GRACEFUL_LIMIT_S = 5;
const REAPER_LIMIT_S = 30;

/** Where the lesson was when the signal came, read from what it had printed. */
function phaseOf(output: string, ended: boolean): string {
  if (ended) return 'after the end';
  if (!output.includes('▶ step')) return 'bring-up';
  if (output.includes("'server' exits") || output.includes('who sees what') || output.includes('lab removed')) return 'teardown';
  return 'steps';
}

/** When each phase of a clean run began, in seconds from its start: bring-up, steps, teardown, end. */
async function phaseTimes(): Promise<{ steps: number; teardown: number; end: number }> {
  const run = startSocklab(['run', LESSON]);
  const started = performance.now();
  const seen = { steps: 0, teardown: 0 };
  while (!run.exited()) {
    const now = (performance.now() - started) / 1000;
    const phase = phaseOf(run.output(), false);
    if (phase === 'steps' && !seen.steps) seen.steps = now;
    if (phase === 'teardown' && !seen.teardown) seen.teardown = now;
    await sleep(20);
  }
  const result = await run.done;
  if (result.code !== 0 || !seen.steps || !seen.teardown)
    throw new Error(`the lesson does not pass on its own (exit ${result.code}); fix that first:\n${result.output.slice(-2000)}`);
  return { ...seen, end: result.seconds };
}

export async function signalTrials(options: { trials: number; seed: number; log: (line: string) => void }): Promise<Section> {
  const rng = random(options.seed);
  // A clean run first: when its phases begin here, so that the moments cover each of them.
  const times = await phaseTimes();
  const windows: Record<string, [number, number]> = {
    'bring-up': [0.05, times.steps],
    steps: [times.steps, times.teardown],
    teardown: [times.teardown, times.end],
  };
  options.log(
    `signals: ${LESSON} here: bring-up until ${times.steps.toFixed(1)} s, steps until ${times.teardown.toFixed(1)} s, teardown until ${times.end.toFixed(1)} s`,
  );

  const rows: string[][] = [];
  for (let trial = 0; trial < options.trials; trial += 1) {
    const signal = SIGNALS[trial % SIGNALS.length]!;
    const [from, to] = Object.values(windows)[trial % 3]!;
    const at = from + rng.next() * (to - from);
    const run = startSocklab(['run', LESSON]);
    await sleep(at * 1000);
    const phase = phaseOf(run.output(), run.exited());
    const sent = performance.now();
    run.kill(signal);
    const result = await run.done;
    const exitSeconds = (performance.now() - sent) / 1000;
    const left = signal === 'SIGKILL' ? await leftoversAfter(REAPER_LIMIT_S * 1000) : await socklabObjects();
    const cleanSeconds = (performance.now() - sent) / 1000;
    const finishedFirst = phase === 'after the end';
    // Handled: the shell's code for the signal. Killed by it: before socklab listens (its
    // first tenths of a second, when it has made nothing yet), or SIGKILL, which no one handles.
    const handled = finishedFirst ? result.code === 0 : result.code === EXIT[signal] || result.killedBy === osSignal(signal);
    const exit = result.code ?? `killed (${signal})`;
    const crash = crashed(result.output) || !handled ? 1 : 0;
    const late = finishedFirst ? 0 : signal === 'SIGKILL' ? (cleanSeconds > REAPER_LIMIT_S ? 1 : 0) : exitSeconds > GRACEFUL_LIMIT_S ? 1 : 0;
    rows.push([
      String(trial + 1),
      signal,
      at.toFixed(2),
      phase,
      String(exit),
      (signal === 'SIGKILL' ? cleanSeconds : exitSeconds).toFixed(1),
      String(left.length),
      String(crash),
      String(late),
    ]);
    options.log(
      `signals: ${trial + 1}/${options.trials} ${signal} at ${at.toFixed(2)} s (${phase}): exit ${exit}, clean in ${cleanSeconds.toFixed(1)} s, leftovers ${left.length}${left.length ? ` (${left.join(', ')})` : ''}${crash ? `, CRASH:\n${result.output.slice(-1500)}` : ''}`,
    );
    if (left.length > 0) await leftoversAfter(REAPER_LIMIT_S * 1000); // let the next trial start clean, but count it here
  }
  return {
    title: 'Signals at random moments of nat-pat',
    about:
      `Each trial starts \`socklab run ${LESSON}\` and sends one signal at a random moment (seeded) of bring-up, steps or teardown, in turn ` +
      `(the phases timed on a clean run first; "phase" is where the run really was when the signal came). ` +
      `"seconds" is, for SIGINT/SIGTERM/SIGHUP, the time from the signal to socklab's exit with the lab removed (limit ${GRACEFUL_LIMIT_S} s), ` +
      `and for SIGKILL the time until the reaper had removed everything (limit ${REAPER_LIMIT_S} s). "late" counts trials over their limit.`,
    columns: ['#', 'signal', 'at (s)', 'phase', 'exit', 'seconds', 'leftovers', 'crashes', 'late'],
    rows,
    zeroColumns: ['leftovers', 'crashes', 'late'],
  };
}
