// How many hosts and programs this process is bringing up at once, and what that does to
// the deadlines of getting ready. Thirty copies of a lesson come up together: thirty servers
// start node on two CPUs, and each takes many times as long to print "listening" as it
// would alone. A deadline written for one lab on an idle machine would then fail a correct
// lesson. So the deadlines of getting ready (a host's setup, a start step's wait_for) grow
// with how crowded the CPUs are with this process's own start-ups, up to MAX_STRETCH times:
// a program that never gets ready still fails, later. Deadlines that are part of a lesson's
// meaning (a run's timeout, a wait's) do not grow.
import { availableParallelism } from 'node:os';

/** A deadline grows to at most this many times its written length. */
export const MAX_STRETCH = 6;

/** The deadline of one start-up in the crowd; it counts in the crowd until left. */
export interface CrowdedDeadline {
  /** Its length now, in ms: never shorter than before (asked again when it runs out, it may have grown). */
  ms(): number;
  /** Why it is longer than written, for messages; undefined while it is not. */
  why(): string | undefined;
  /** Stops counting it in the crowd (calling it twice counts once). */
  leave(): void;
}

export class StartCrowd {
  private starting = 0;

  constructor(private readonly cpus = Math.max(1, availableParallelism())) {}

  /** How many start-ups are under way. */
  get size(): number {
    return this.starting;
  }

  /** Counts one start-up whose deadline is written as `writtenMs`, until it leaves. */
  enter(writtenMs: number): CrowdedDeadline {
    this.starting++;
    let left = false;
    // The most crowded moment it has seen so far decides its length.
    let most = this.starting;
    const factor = () => {
      if (!left) most = Math.max(most, this.starting);
      return Math.min(MAX_STRETCH, Math.max(1, most / this.cpus));
    };
    return {
      ms: () => Math.round(writtenMs * factor()),
      why: () =>
        factor() > 1 ? `${most} hosts and programs were starting at once on ${this.cpus} CPU${this.cpus === 1 ? '' : 's'}, so it was stretched` : undefined,
      leave: () => {
        if (left) return;
        left = true;
        this.starting--;
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
}

/** The start-ups of this process: every lab it brings up counts in the same crowd. */
export const startCrowd = new StartCrowd();
