import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { cancelDeploymentSubject, stepCancelSubject, type PayloadOf, type RequestOf, type ResponseOf } from '#contracts';
import { ZodPipe } from '#messaging';
import { CancellationService } from './cancellation.js';
import { WorkflowService } from './workflow.service.js';

@Controller()
export class CancellationController {
  constructor(
    private readonly cancellation: CancellationService,
    private readonly workflow: WorkflowService,
  ) {}

  @MessagePattern(cancelDeploymentSubject.subject)
  cancel(
    @Payload(new ZodPipe(cancelDeploymentSubject.request)) req: RequestOf<typeof cancelDeploymentSubject>,
  ): Promise<ResponseOf<typeof cancelDeploymentSubject>> {
    return this.cancellation.cancel(req.owner, req.deploymentId ? { deploymentId: req.deploymentId } : { service: req.service! });
  }

  /** A cancel another orchestrator took: if this one runs the deployment, it stops waiting for its step. */
  @EventPattern(stepCancelSubject.subject, { broadcast: true })
  onCancel(@Payload(new ZodPipe(stepCancelSubject.payload)) payload: unknown): void {
    // The pipe has validated it against the contract.
    const { deploymentId } = payload as PayloadOf<typeof stepCancelSubject>;
    this.workflow.abandon(deploymentId);
  }
}
