import { Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { deploymentEventsSubject, type DeploymentEvent } from '#contracts';
import { eventsFannedOut, MessageBus } from '#messaging';

interface Subscription {
  socket: Socket;
  owner: string;
  lastSent: number;
  /** While stored events are being replayed, live ones wait here. */
  catchingUp: boolean;
  pending: DeploymentEvent[];
}

/**
 * Streams one deployment's log to a socket exactly once and in order: stored events after the
 * client's `afterSeq` first, then live ones; a gap in live events is filled from the store.
 */
@Injectable()
export class DeploymentStreams {
  private readonly logger = new Logger(DeploymentStreams.name);
  private readonly byDeployment = new Map<string, Map<string, Subscription>>();

  constructor(private readonly bus: MessageBus) {}

  async subscribe(socket: Socket, owner: string, deploymentId: string, afterSeq: number): Promise<void> {
    let subs = this.byDeployment.get(deploymentId);
    if (!subs) this.byDeployment.set(deploymentId, (subs = new Map()));
    const sub: Subscription = { socket, owner, lastSent: afterSeq, catchingUp: true, pending: [] };
    subs.set(socket.id, sub);
    try {
      await this.catchUp(deploymentId, sub);
    } catch (error) {
      this.remove(deploymentId, socket.id);
      throw error;
    }
  }

  deliver(event: DeploymentEvent): void {
    const subs = this.byDeployment.get(event.deploymentId);
    if (!subs) return;
    for (const sub of subs.values()) {
      if (sub.catchingUp) sub.pending.push(event);
      else if (event.seq === sub.lastSent + 1) this.send(event.deploymentId, sub, event);
      else if (event.seq > sub.lastSent + 1) {
        sub.pending.push(event);
        void this.catchUp(event.deploymentId, sub).catch((error: unknown) => this.logger.warn(`Could not fill a gap for ${sub.socket.id}: ${String(error)}`));
      }
    }
  }

  dropSocket(socketId: string): void {
    for (const deploymentId of [...this.byDeployment.keys()]) this.remove(deploymentId, socketId);
  }

  private async catchUp(deploymentId: string, sub: Subscription): Promise<void> {
    sub.catchingUp = true;
    try {
      const { events } = await this.bus.request(deploymentEventsSubject, { owner: sub.owner, id: deploymentId, afterSeq: sub.lastSent });
      for (const event of events) this.send(deploymentId, sub, event);
    } finally {
      sub.catchingUp = false;
    }
    const pending = sub.pending.sort((a, b) => a.seq - b.seq);
    sub.pending = [];
    for (const event of pending) this.send(deploymentId, sub, event);
  }

  private send(deploymentId: string, sub: Subscription, event: DeploymentEvent): void {
    if (event.seq <= sub.lastSent) return;
    sub.lastSent = event.seq;
    eventsFannedOut.inc();
    const { seq, stage, progress, message, logs } = event;
    sub.socket.emit('deployment_update', { type: 'deployment_update', data: { deploymentId, seq, stage, progress, message, logs } });
    const outcome = event.outcome;
    if (!outcome) return;
    if (outcome.kind === 'complete') {
      sub.socket.emit('deployment_complete', {
        type: 'deployment_complete',
        data: { deploymentId, url: outcome.url, service_name: outcome.serviceName, region: outcome.region, image: outcome.image },
      });
    } else {
      sub.socket.emit('deployment_error', {
        type: 'deployment_error',
        data: { deploymentId, stage: outcome.stage, code: outcome.code, message: outcome.message, hint: outcome.hint },
      });
    }
    this.remove(deploymentId, sub.socket.id);
  }

  private remove(deploymentId: string, socketId: string): void {
    const subs = this.byDeployment.get(deploymentId);
    subs?.delete(socketId);
    if (subs?.size === 0) this.byDeployment.delete(deploymentId);
  }
}
