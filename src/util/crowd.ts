// How much this process has coming up or going down at once, and what that does to the
// deadlines socklab sets itself. Thirty copies of a lesson come up together: thirty servers
// start node on two CPUs, and each takes many times as long to print "listening" as it
// would alone; thirty labs removed together wait on one engine. A deadline written for one
// lab on an idle machine would then fail a correct lesson, or give up on a removal that
// was merely slow. So socklab's own deadlines of getting ready and going away (a host's
// setup, a start step's wait_for, socklab's commands in a host, a teardown) grow with how
// crowded the CPUs are, up to MAX_STRETCH times: what never gets ready still fails, later.
// Deadlines that are part of a lesson's meaning (a run's timeout, a wait's) do not grow.
import { availableParallelism } from 'node:os';
import { formatSeconds } from './abort.js';

/** A deadline grows to at most this many times its written length. */
export const MAX_STRETCH = 6;

/** The deadline of one piece of work counted in the crowd, until it leaves. */
export interface CrowdedDeadline {
  /** Its length now, in ms: never shorter than before (asked again when it runs out, it may have grown). */
  ms(): number;
  /** Why it is longer than written, for messages; undefined while it is not. */
  why(): string | undefined;
  /** Its length as a message says it: "10 s", or "30 s (6 hosts, ... so it was stretched)". */
  describe(): string;
  /** Stops counting it in the crowd (calling it twice counts once). */
  leave(): void;
}

export class Crowd {
  private members = 0;

  constructor(private readonly cpus = Math.max(1, availableParallelism())) {}

  /** How many hosts, programs and teardowns are under way. */
  get size(): number {
    return this.members;
  }

  private factor(count: number): number {
    return Math.min(MAX_STRETCH, Math.max(1, count / this.cpus));
  }

  private reason(count: number): string {
    return `${count} hosts, programs and teardowns were under way at once on ${this.cpus} CPU${this.cpus === 1 ? '' : 's'}, so it was stretched`;
  }

  /** Counts one piece of work whose deadline is written as `writtenMs`, until it leaves. */
  enter(writtenMs: number): CrowdedDeadline {
    this.members++;
    let left = false;
    // The most crowded moment it has seen so far decides its length.
    let most = this.members;
    const factor = () => {
      if (!left) most = Math.max(most, this.members);
      return this.factor(most);
    };
    const ms = () => Math.round(writtenMs * factor());
    const why = () => (factor() > 1 ? this.reason(most) : undefined);
    return {
      ms,
      why,
      describe: () => {
        const stretched = why();
        return `${formatSeconds(ms())}${stretched ? ` (${stretched})` : ''}`;
      },
      leave: () => {
        if (left) return;
        left = true;
        this.members--;
      },
    };
  }

  /** Runs `work` counted in the crowd, with a deadline written as `writtenMs`. */
  async within<T>(writtenMs: number, work: (deadline: CrowdedDeadline) => Promise<T>): Promise<T> {
    const deadline = this.enter(writtenMs);
    try {
      return await work(deadline);
    } finally {
      deadline.leave();
    }
  }

  /** A deadline written as `writtenMs` for something short that does not count itself (a command in a host), as the crowd stands now. */
  stretchNow(writtenMs: number): number {
    return Math.round(writtenMs * this.factor(this.members));
  }
}

/** This process's crowd: every lab it brings up or removes counts in it. */
export const crowd = new Crowd();
