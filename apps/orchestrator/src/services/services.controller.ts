import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ownedDeleteSubject,
  ownedLogsSubject,
  ownedPowerSubject,
  ownedRedeploySubject,
  ownedRevisionsSubject,
  ownedRollbackSubject,
  ownedServiceGetSubject,
  ownedServicesListSubject,
  ownedSettingsChangeSubject,
  ownedSettingsSubject,
  ownedTrafficSubject,
  type RequestOf,
  type ResponseOf,
} from '#contracts';
import { ZodPipe } from '#messaging';
import { ServiceOperations } from './service-operations.js';

/** The services people own, over the bus: each request names its owner, and each operation checks it. */
@Controller()
export class ServicesController {
  constructor(private readonly ops: ServiceOperations) {}

  @MessagePattern(ownedServicesListSubject.subject)
  async list(
    @Payload(new ZodPipe(ownedServicesListSubject.request)) req: RequestOf<typeof ownedServicesListSubject>,
  ): Promise<ResponseOf<typeof ownedServicesListSubject>> {
    return { services: await this.ops.list(req.owner) };
  }

  @MessagePattern(ownedServiceGetSubject.subject)
  get(@Payload(new ZodPipe(ownedServiceGetSubject.request)) req: RequestOf<typeof ownedServiceGetSubject>) {
    return this.ops.get(req.owner, req.name);
  }

  @MessagePattern(ownedRevisionsSubject.subject)
  revisions(@Payload(new ZodPipe(ownedRevisionsSubject.request)) req: RequestOf<typeof ownedRevisionsSubject>) {
    return this.ops.revisions(req.owner, req.name);
  }

  @MessagePattern(ownedRollbackSubject.subject)
  rollback(@Payload(new ZodPipe(ownedRollbackSubject.request)) req: RequestOf<typeof ownedRollbackSubject>) {
    return this.ops.rollback(req.owner, req.name, req.revision);
  }

  @MessagePattern(ownedLogsSubject.subject)
  logs(@Payload(new ZodPipe(ownedLogsSubject.request)) req: RequestOf<typeof ownedLogsSubject>) {
    return this.ops.logs(req.owner, req.name, req.tail ?? 200);
  }

  @MessagePattern(ownedPowerSubject.subject)
  power(@Payload(new ZodPipe(ownedPowerSubject.request)) req: RequestOf<typeof ownedPowerSubject>) {
    return this.ops.power(req.owner, req.name, req.action);
  }

  @MessagePattern(ownedDeleteSubject.subject)
  delete(@Payload(new ZodPipe(ownedDeleteSubject.request)) req: RequestOf<typeof ownedDeleteSubject>) {
    return this.ops.delete(req.owner, req.name);
  }

  @MessagePattern(ownedTrafficSubject.subject)
  traffic(@Payload(new ZodPipe(ownedTrafficSubject.request)) req: RequestOf<typeof ownedTrafficSubject>) {
    return this.ops.traffic(req.owner, req.name, req.splits);
  }

  @MessagePattern(ownedSettingsSubject.subject)
  settings(@Payload(new ZodPipe(ownedSettingsSubject.request)) req: RequestOf<typeof ownedSettingsSubject>) {
    return this.ops.settings(req.owner, req.name);
  }

  @MessagePattern(ownedSettingsChangeSubject.subject)
  changeSettings(@Payload(new ZodPipe(ownedSettingsChangeSubject.request)) req: RequestOf<typeof ownedSettingsChangeSubject>) {
    return this.ops.changeSettings(req.owner, req.name, req.change, req.rollout ?? true);
  }

  @MessagePattern(ownedRedeploySubject.subject)
  redeploy(@Payload(new ZodPipe(ownedRedeploySubject.request)) req: RequestOf<typeof ownedRedeploySubject>) {
    return this.ops.redeploy(req.owner, req.name, req.latest ?? false);
  }
}
