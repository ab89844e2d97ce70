// Structured snapshots taken during a run (sockets per host, conntrack flows per router),
// kept so the end of the run can join them into one picture (who-sees-what.ts).
import type { ConntrackFlow } from './conntrack.js';
import type { SocketRecord } from './netstat.js';

export interface SocketSnapshot {
  host: string;
  at: number;
  /** When it was seen, in a reader's words: 'step 4', 'end of run'. */
  moment: string;
  sockets: SocketRecord[];
}

export interface FlowSnapshot {
  router: string;
  at: number;
  moment: string;
  flows: ConntrackFlow[];
}

export class ObservationLog {
  readonly sockets: SocketSnapshot[] = [];
  readonly flows: FlowSnapshot[] = [];

  addSockets(host: string, sockets: SocketRecord[], moment = ''): void {
    this.sockets.push({ host, at: Date.now(), moment, sockets });
  }

  addFlows(router: string, flows: ConntrackFlow[], moment = ''): void {
    this.flows.push({ router, at: Date.now(), moment, flows });
  }
}
