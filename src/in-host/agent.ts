// socklab's side of the in-host agent (contract.ts, AGENT_SCRIPT): one long-running shell per
// host that runs socklab's own commands one after another without a new exec each. The
// process that brings a host up speaks to the host's own first process, which becomes the
// agent once the host is set up (lab.ts); any other process opens one as an exec at its
// first command. It is only ever a faster road: whenever it cannot take a command (busy
// with another, not started yet, gone, or answering in a way it should not), the caller
// runs the command as its own exec, as it would without an agent.
import type { ExecSession, Runtime, SessionSinks } from '../runtime/runtime.js';
import { performance } from 'node:perf_hooks';
import { HeadBuffer } from '../util/bounded-output.js';
import { traceLine, tracing } from '../util/trace.js';
import { AGENT_ANSWER, AGENT_IN_HOST, AGENT_OUTPUT_CAP, agentRequest } from './contract.js';

export interface AgentAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** Header lines are short; anything longer is not an answer (and ends the agent). */
const MAX_HEADER = 256;
/** How long a command waits in line for a busy agent before it takes an exec of its own. */
const QUEUE_WAIT_MS = 250;
/** An agent that ended this often is not started again: its host cannot keep one. */
const MAX_ENDS = 3;

interface Pending {
  id: number;
  resolve(answer: AgentAnswer | undefined): void;
}

/** Reads the agent's answers out of its output, as it comes in pieces. */
class AnswerReader {
  private header = '';
  private body?: { id: number; exitCode: number; left: [number, number]; sizes: [number, number]; out: HeadBuffer; err: HeadBuffer };

  constructor(
    private readonly onAnswer: (id: number, answer: AgentAnswer) => void,
    private readonly onNonsense: () => void,
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.body) {
        const newline = chunk.indexOf(10, offset);
        this.header += chunk.toString('latin1', offset, newline < 0 ? chunk.length : newline);
        if (this.header.length > MAX_HEADER) return this.onNonsense();
        if (newline < 0) return;
        offset = newline + 1;
        if (!this.startBody()) return this.onNonsense();
        continue;
      }
      const part = this.body.left[0] > 0 ? 0 : 1;
      const take = Math.min(this.body.left[part]!, chunk.length - offset);
      (part === 0 ? this.body.out : this.body.err).push(chunk.subarray(offset, offset + take));
      this.body.left[part]! -= take;
      offset += take;
      this.finishIfComplete();
    }
  }

  private startBody(): boolean {
    const [word, id, code, outBytes, errBytes] = this.header.split(' ');
    this.header = '';
    const numbers = [id, code, outBytes, errBytes].map(Number);
    if (word !== AGENT_ANSWER || numbers.some((n) => !Number.isInteger(n) || n < 0)) return false;
    const sizes: [number, number] = [numbers[2]!, numbers[3]!];
    this.body = {
      id: numbers[0]!,
      exitCode: numbers[1]!,
      sizes,
      left: [Math.min(sizes[0], AGENT_OUTPUT_CAP), Math.min(sizes[1], AGENT_OUTPUT_CAP)],
      out: new HeadBuffer(AGENT_OUTPUT_CAP),
      err: new HeadBuffer(AGENT_OUTPUT_CAP),
    };
    this.finishIfComplete();
    return true;
  }

  private finishIfComplete(): void {
    const body = this.body;
    if (!body || body.left[0] > 0 || body.left[1] > 0) return;
    this.body = undefined;
    this.onAnswer(body.id, {
      exitCode: body.exitCode,
      stdout: body.out.text(),
      stderr: body.err.text(),
      truncated: body.sizes[0] > AGENT_OUTPUT_CAP || body.sizes[1] > AGENT_OUTPUT_CAP,
    });
  }
}

export class HostAgent {
  private session?: ExecSession;
  private opening = false;
  /**
   * Aborts an opening still under way when the agent is closed: an engine asked to start an
   * exec in a host that is being removed may never answer, and its open request would keep
   * this process alive until the call's deadline.
   */
  private readonly closing = new AbortController();
  private pending?: Pending;
  private nextId = 1;
  private ends = 0;
  private everAnswered = false;
  private disabled = false;
  /** Commands waiting for the agent, first come first served. */
  private readonly waiters: ((free: boolean) => void)[] = [];

  constructor(
    private readonly runtime: Runtime,
    private readonly container: string,
  ) {}

  /**
   * Runs `script` under `timeout` in the host and resolves to its answer, or to undefined
   * when the agent cannot take it soon (the caller then runs it as an exec of its own) or
   * went away before answering. The first command opens the agent and waits for it. An abort rejects at once; the agent stays busy until the
   * command's own `timeout` has ended it, and its answer is then dropped.
   */
  async run(script: string, options: { seconds: number; asUser: boolean; signal?: AbortSignal }): Promise<AgentAnswer | undefined> {
    if (!tracing) return this.runUntraced(script, options);
    const start = performance.now();
    let answered = false;
    try {
      return await this.runUntraced(script, options).then((answer) => ((answered = answer !== undefined), answer));
    } finally {
      traceLine(start, `agent ${this.container} ${answered ? '' : '(not taken) '}${script.replace(/\s+/g, ' ').slice(0, 60)}`);
    }
  }

  private async runUntraced(script: string, options: { seconds: number; asUser: boolean; signal?: AbortSignal }): Promise<AgentAnswer | undefined> {
    if (this.disabled) return undefined;
    if (!this.session && !this.opening) this.open();
    // Commands come in bursts (every view of an observe step at once): a short wait for the
    // agent is far cheaper than an exec. A long command ahead is not waited for.
    if ((this.opening || this.pending || this.waiters.length > 0) && !(await this.turn(options.signal))) return undefined;
    const session = this.session;
    if (!session || this.pending) return this.handOn(undefined);
    options.signal?.throwIfAborted();
    const id = this.nextId++;
    const answer = new Promise<AgentAnswer | undefined>((resolve) => {
      this.pending = { id, resolve };
    });
    session.keepProcessAlive(true);
    session.write(agentRequest(id, script, options.seconds, options.asUser));
    const settled = answer.finally(() => {
      this.pending = undefined;
      this.session?.keepProcessAlive(false);
      this.handOn(undefined);
    });
    if (!options.signal) return settled;
    const signal = options.signal;
    let onAbort = () => undefined as void;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([settled, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Waits, in line, until the agent is free; false after QUEUE_WAIT_MS or when aborted. */
  private turn(signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter = (free: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(free);
      };
      const onAbort = () => waiter(false);
      const timer = setTimeout(() => waiter(false), QUEUE_WAIT_MS);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Gives the agent to the next command in line, if it is free; returns `value`. */
  private handOn<T>(value: T): T {
    if (!this.opening && !this.pending) this.waiters[0]?.(true);
    return value;
  }

  /** Drops an agent that did not answer in time: the next command opens a new one. */
  abandon(): void {
    this.session?.close();
  }

  /** Ends the agent: it sees the end of its input and exits. */
  close(): void {
    this.disabled = true;
    this.closing.abort();
    this.session?.close();
  }

  /**
   * The agent as the host's own first process runs it once set up (lab.ts): what it prints
   * goes to `sinks`, and `adopt` takes the session once the host is set up, or nothing when
   * it could not be had (the next command then opens an agent of its own). Commands wait
   * for it meanwhile, as for an agent opening.
   */
  fromHostStart(): { sinks: SessionSinks; adopt(session: ExecSession | undefined): void } {
    this.opening = true;
    return {
      sinks: this.sinks(),
      adopt: (session) => {
        this.opening = false;
        if (session) this.opened(session);
        else this.handOn(undefined);
      },
    };
  }

  private sinks(): SessionSinks {
    const reader = new AnswerReader(
      (id, answer) => this.answered(id, answer),
      () => this.session?.close(),
    );
    return { stdout: (chunk) => reader.push(chunk), stderr: () => undefined };
  }

  private open(): void {
    this.opening = true;
    this.runtime
      .openSession(this.container, ['sh', AGENT_IN_HOST], { ...this.sinks(), signal: this.closing.signal })
      .then((session) => {
        this.opening = false;
        this.opened(session);
      })
      .catch(() => {
        // No agent in this host (a fake runtime, an engine that refuses): one exec per command.
        this.opening = false;
        this.disabled = true;
        this.handOn(undefined);
      });
  }

  private opened(session: ExecSession): void {
    if (this.disabled) return session.close();
    this.session = session;
    session.keepProcessAlive(false);
    void session.ended.then(() => this.ended(session));
    this.handOn(undefined);
  }

  private answered(id: number, answer: AgentAnswer): void {
    const pending = this.pending;
    // An answer to nothing asked is not the agent speaking: stop listening to it.
    if (!pending || pending.id !== id) return this.session?.close();
    this.everAnswered = true;
    pending.resolve(answer);
  }

  private ended(session: ExecSession): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.ends += 1;
    // A host whose agent never answered has none (set up by another version), and one that
    // keeps ending cannot keep one (a fork storm): do without.
    if (!this.everAnswered || this.ends >= MAX_ENDS) this.disabled = true;
    this.pending?.resolve(undefined);
  }
}
