// Structured snapshots taken during a run (sockets per host, conntrack flows per router),
// kept so the end of the run can join them into one picture (who-sees-what.ts).
import type { ConntrackFlow } from './conntrack.js';
import type { SocketRecord } from './netstat.js';

export interface SocketSnapshot {
  host: string;
  at: number;
  sockets: SocketRecord[];
}

export interface FlowSnapshot {
  router: string;
  at: number;
  flows: ConntrackFlow[];
}

export class ObservationLog {
  readonly sockets: SocketSnapshot[] = [];
  readonly flows: FlowSnapshot[] = [];

  addSockets(host: string, sockets: SocketRecord[]): void {
    this.sockets.push({ host, at: Date.now(), sockets });
  }

  addFlows(router: string, flows: ConntrackFlow[]): void {
    this.flows.push({ router, at: Date.now(), flows });
  }
}
