import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  listRevisionsSubject,
  listServicesSubject,
  rollbackSubject,
  serviceLogsSubject,
  stopServiceSubject,
  type RequestOf,
  type ResponseOf,
} from '#contracts';
import { ZodPipe } from '#messaging';
import { DeployerService } from './deployer.service.js';

/** The services of the local runtime: list, revisions, rollback, logs, stop. */
@Controller()
export class RuntimeController {
  constructor(private readonly deployer: DeployerService) {}

  @MessagePattern(listServicesSubject.subject)
  async list(
    @Payload(new ZodPipe(listServicesSubject.request)) _request: RequestOf<typeof listServicesSubject>,
  ): Promise<ResponseOf<typeof listServicesSubject>> {
    return { services: await this.deployer.runtime.list() };
  }

  @MessagePattern(listRevisionsSubject.subject)
  async revisions(
    @Payload(new ZodPipe(listRevisionsSubject.request)) request: RequestOf<typeof listRevisionsSubject>,
  ): Promise<ResponseOf<typeof listRevisionsSubject>> {
    return { name: request.name, revisions: await this.deployer.runtime.revisions(request.name) };
  }

  @MessagePattern(rollbackSubject.subject)
  rollback(@Payload(new ZodPipe(rollbackSubject.request)) request: RequestOf<typeof rollbackSubject>): Promise<ResponseOf<typeof rollbackSubject>> {
    return this.deployer.runtime.rollback(request.name, request.revision);
  }

  @MessagePattern(serviceLogsSubject.subject)
  async logs(@Payload(new ZodPipe(serviceLogsSubject.request)) request: RequestOf<typeof serviceLogsSubject>): Promise<ResponseOf<typeof serviceLogsSubject>> {
    return { name: request.name, lines: await this.deployer.runtime.logs(request.name, Number(request.tail ?? 200)) };
  }

  @MessagePattern(stopServiceSubject.subject)
  async stop(@Payload(new ZodPipe(stopServiceSubject.request)) request: RequestOf<typeof stopServiceSubject>): Promise<ResponseOf<typeof stopServiceSubject>> {
    const summary = await this.deployer.runtime.stop(request.name);
    return { name: request.name, status: summary.status };
  }
}
