import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { deploymentEventPublished, deploymentEventsPublished, type DeploymentEvent } from '#contracts';
import { ZodPipe } from '#messaging';
import { DeploymentStreams } from './socket/deployment-streams.service.js';

/** Every stored deployment event reaches every gateway; each passes it to its own sockets. */
@Controller()
export class DeploymentEventsController {
  constructor(private readonly streams: DeploymentStreams) {}

  @EventPattern(deploymentEventsPublished.subject)
  onEvents(@Payload(new ZodPipe(deploymentEventsPublished.payload)) batch: unknown): void {
    // The pipe has validated it against the contract.
    this.streams.deliver((batch as { events: DeploymentEvent[] }).events);
  }

  /** One event at a time, as an orchestrator of an earlier version publishes them. */
  @EventPattern(deploymentEventPublished.subject)
  onEvent(@Payload(new ZodPipe(deploymentEventPublished.payload)) event: unknown): void {
    this.streams.deliver([event as DeploymentEvent]);
  }
}
