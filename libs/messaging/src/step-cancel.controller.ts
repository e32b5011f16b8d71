import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { stepCancelSubject, type PayloadOf } from '#contracts';
import { stepCancellation } from './step-cancellation.js';
import { ZodPipe } from './zod.pipe.js';

/**
 * Every worker (analyzer, builder, deployer) listens for cancels on its own, outside any queue
 * group: the replica running the cancelled deployment's step aborts it, the others have nothing to do.
 */
@Controller()
export class StepCancelController {
  @EventPattern(stepCancelSubject.subject, { broadcast: true })
  onCancel(@Payload(new ZodPipe(stepCancelSubject.payload)) payload: unknown): void {
    // The pipe has validated it against the contract.
    const { deploymentId } = payload as PayloadOf<typeof stepCancelSubject>;
    stepCancellation.cancel(deploymentId);
  }
}
