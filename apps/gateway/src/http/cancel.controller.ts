import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { cancelDeploymentSubject, serviceNameSchema } from '#contracts';
import { MessageBus, ZodPipe } from '#messaging';
import { Documented } from './openapi/api-doc.decorator.js';
import { OwnerGuard } from './owner.guard.js';

/** A cancel takes no options: its body is `{}`. */
const cancelBody = z.object({}).strict().default({});

/**
 * Cancelling a running deployment, by its id or by its service. A deployment that already ended
 * answers 200 with `cancelled: false` and says so; someone else's deployment or service is a 404.
 */
@Controller('api')
@UseGuards(OwnerGuard)
export class CancelController {
  constructor(private readonly bus: MessageBus) {}

  @Post('deployments/:id/cancel')
  @HttpCode(200)
  @Documented({ summary: 'Cancel a queued or running deployment (a no-op, said so, when it already ended)', returns: cancelDeploymentSubject })
  cancelDeployment(
    @Req() req: { owner: string },
    @Param('id', new ZodPipe(z.uuid())) id: string,
    @Body(new ZodPipe(cancelBody)) _body: z.output<typeof cancelBody>,
  ) {
    return this.bus.request(cancelDeploymentSubject, { owner: req.owner, deploymentId: id });
  }

  @Post('services/:name/cancel')
  @HttpCode(200)
  @Documented({ summary: "Cancel the service's running deployment (a no-op, said so, when none is running)", returns: cancelDeploymentSubject })
  cancelService(
    @Req() req: { owner: string },
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Body(new ZodPipe(cancelBody)) _body: z.output<typeof cancelBody>,
  ) {
    return this.bus.request(cancelDeploymentSubject, { owner: req.owner, service: name });
  }
}
