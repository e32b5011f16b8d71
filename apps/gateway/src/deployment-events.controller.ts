import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { deploymentEventPublished, type DeploymentEvent } from '#contracts';
import { ZodPipe } from '#messaging';
import { DeploymentStreams } from './socket/deployment-streams.service.js';

/** Every stored deployment event reaches every gateway; each passes it to its own sockets. */
@Controller()
export class DeploymentEventsController {
  constructor(private readonly streams: DeploymentStreams) {}

  @EventPattern(deploymentEventPublished.subject)
  onEvent(@Payload(new ZodPipe(deploymentEventPublished.payload)) event: unknown): void {
    // The pipe has validated it against the contract.
    this.streams.deliver(event as DeploymentEvent);
  }
}
