import { Injectable, Logger } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { deploymentEventsSubject, type DeploymentEvent } from '#contracts';
import { eventsFannedOut, MessageBus } from '#messaging';

interface Watcher {
  socket: Socket;
  owner: string;
  lastSent: number;
  /** `replaying`: stored events on their way, live ones wait in `pending`; `outside`: caught up past the room, sent to one by one; `member`: in the room. */
  state: 'replaying' | 'outside' | 'member';
  pending: DeploymentEvent[];
}

interface Room {
  name: string;
  nsp: Namespace;
  /** The last seq sent to the room's members; the room sends every seq after it, in order. */
  lastSent: number | undefined;
  /** Whose deployment it is, once a watcher's replay has proved it. */
  owner?: string;
  watchers: Map<string, Watcher>;
  waiting: DeploymentEvent[];
  filling: boolean;
}

/**
 * Streams one deployment's log to its watchers exactly once and in order. A watcher first gets the
 * stored events after its `afterSeq` on its own, then joins the deployment's Socket.IO room, which
 * gets each live event once, encoded once for all its members. Only a socket whose replay the store
 * answered (its owner's) joins. A gap in live events is filled from the store before the room
 * moves on.
 */
@Injectable()
export class DeploymentStreams {
  private readonly logger = new Logger(DeploymentStreams.name);
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly bus: MessageBus) {}

  async subscribe(socket: Socket, owner: string, deploymentId: string, afterSeq: number): Promise<void> {
    let room = this.rooms.get(deploymentId);
    if (!room) {
      room = { name: `deployment:${deploymentId}`, nsp: socket.nsp, lastSent: undefined, watchers: new Map(), waiting: [], filling: false };
      this.rooms.set(deploymentId, room);
    }
    this.leave(deploymentId, socket.id);
    const watcher: Watcher = { socket, owner, lastSent: afterSeq, state: 'replaying', pending: [] };
    room.watchers.set(socket.id, watcher);
    try {
      await this.catchUp(deploymentId, room, watcher);
    } catch (error) {
      this.leave(deploymentId, socket.id);
      throw error;
    }
  }

  /** Live events of one deployment, in seq order, as the orchestrator stored them. */
  deliver(events: DeploymentEvent[]): void {
    for (const event of events) {
      const room = this.rooms.get(event.deploymentId);
      if (!room) continue;
      room.waiting.push(event);
      this.advance(event.deploymentId, room);
    }
  }

  dropSocket(socketId: string): void {
    for (const deploymentId of [...this.rooms.keys()]) this.leave(deploymentId, socketId);
  }

  private advance(deploymentId: string, room: Room): void {
    if (room.filling) return;
    room.waiting.sort((a, b) => a.seq - b.seq);
    while (room.waiting.length > 0 && this.rooms.get(deploymentId) === room) {
      const event = room.waiting[0]!;
      if (room.lastSent !== undefined && event.seq <= room.lastSent) {
        room.waiting.shift();
      } else if (room.lastSent === undefined || event.seq === room.lastSent + 1 || !room.owner) {
        room.waiting.shift();
        this.broadcast(deploymentId, room, event);
      } else {
        void this.fill(deploymentId, room, room.owner);
        return;
      }
    }
  }

  /** Events the room missed (a lost message), read from the store. */
  private async fill(deploymentId: string, room: Room, owner: string): Promise<void> {
    room.filling = true;
    try {
      const { events } = await this.bus.request(deploymentEventsSubject, { owner, id: deploymentId, afterSeq: room.lastSent ?? 0 });
      room.waiting.push(...events);
    } catch (error) {
      this.logger.warn(`Could not fill a gap after event ${room.lastSent} of ${deploymentId}: ${String(error)}`);
      // Going on beats stopping: a watcher that reconnects replays what it missed.
      room.lastSent = undefined;
    } finally {
      room.filling = false;
    }
    this.advance(deploymentId, room);
  }

  private broadcast(deploymentId: string, room: Room, event: DeploymentEvent): void {
    room.lastSent = event.seq;
    let members = 0;
    for (const watcher of room.watchers.values()) {
      if (watcher.state === 'member') {
        watcher.lastSent = event.seq;
        members++;
      } else if (watcher.state === 'replaying') {
        watcher.pending.push(event);
      } else if (event.seq === watcher.lastSent + 1) {
        this.sendTo(deploymentId, watcher, event);
      } else if (event.seq > watcher.lastSent + 1) {
        watcher.pending.push(event);
        void this.catchUp(deploymentId, room, watcher).catch((error: unknown) => {
          this.logger.warn(`Could not fill a gap for ${watcher.socket.id}: ${String(error)}`);
          this.leave(deploymentId, watcher.socket.id);
        });
      }
    }
    if (members > 0) {
      eventsFannedOut.inc(members);
      for (const [name, payload] of packets(deploymentId, event)) room.nsp.to(room.name).emit(name, payload);
    }
    if (event.outcome) {
      // The deployment has ended: its members have everything; the room is done with them.
      for (const watcher of [...room.watchers.values()])
        if (watcher.state !== 'replaying' && watcher.lastSent >= event.seq) this.leave(deploymentId, watcher.socket.id);
      return;
    }
    for (const watcher of room.watchers.values()) if (watcher.state === 'outside' && watcher.lastSent === room.lastSent) this.join(room, watcher);
  }

  private async catchUp(deploymentId: string, room: Room, watcher: Watcher): Promise<void> {
    for (;;) {
      watcher.state = 'replaying';
      const { events } = await this.bus.request(deploymentEventsSubject, { owner: watcher.owner, id: deploymentId, afterSeq: watcher.lastSent });
      if (room.watchers.get(watcher.socket.id) !== watcher) return;
      room.owner ??= watcher.owner;
      const live = watcher.pending.sort((a, b) => a.seq - b.seq);
      watcher.pending = [];
      let gap = false;
      for (const event of [...events, ...live]) {
        if (event.seq <= watcher.lastSent) continue;
        if (event.seq > watcher.lastSent + 1) {
          gap = true;
          break;
        }
        if (this.sendTo(deploymentId, watcher, event)) return;
      }
      if (gap) continue;
      room.lastSent ??= watcher.lastSent;
      if (watcher.lastSent === room.lastSent) this.join(room, watcher);
      else if (watcher.lastSent > room.lastSent) watcher.state = 'outside';
      else continue; // The room has sent events this watcher has not seen: read them.
      return;
    }
  }

  private join(room: Room, watcher: Watcher): void {
    watcher.state = 'member';
    void watcher.socket.join(room.name);
  }

  /** Sends one event to one watcher; true when it was the deployment's last. */
  private sendTo(deploymentId: string, watcher: Watcher, event: DeploymentEvent): boolean {
    watcher.lastSent = event.seq;
    eventsFannedOut.inc();
    for (const [name, payload] of packets(deploymentId, event)) watcher.socket.emit(name, payload);
    if (!event.outcome) return false;
    this.leave(deploymentId, watcher.socket.id);
    return true;
  }

  private leave(deploymentId: string, socketId: string): void {
    const room = this.rooms.get(deploymentId);
    const watcher = room?.watchers.get(socketId);
    if (!room || !watcher) return;
    room.watchers.delete(socketId);
    if (watcher.state === 'member') void watcher.socket.leave(room.name);
    if (room.watchers.size === 0) this.rooms.delete(deploymentId);
  }
}

type Packet = ['deployment_update' | 'deployment_complete' | 'deployment_error', unknown];

/** What the clients are sent for one stored event (shared/DESIGN.md, Contracts). */
function packets(deploymentId: string, event: DeploymentEvent): Packet[] {
  const { seq, stage, progress, message, logs, createdAt: at } = event;
  const out: Packet[] = [['deployment_update', { type: 'deployment_update', data: { deploymentId, seq, stage, progress, message, logs, at } }]];
  const outcome = event.outcome;
  if (outcome?.kind === 'complete') {
    out.push([
      'deployment_complete',
      {
        type: 'deployment_complete',
        data: { deploymentId, url: outcome.url, service_name: outcome.serviceName, region: outcome.region, image: outcome.image },
      },
    ]);
  } else if (outcome) {
    out.push([
      'deployment_error',
      { type: 'deployment_error', data: { deploymentId, stage: outcome.stage, code: outcome.code, message: outcome.message, hint: outcome.hint } },
    ]);
  }
  return out;
}
