import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  deleteServiceSubject,
  listRevisionsSubject,
  listServicesSubject,
  rollbackSubject,
  serviceLogsSubject,
  serviceStateSubject,
  startServiceSubject,
  stopServiceSubject,
  syncSecretsSubject,
  trafficSubject,
  type RequestOf,
  type ResponseOf,
} from '#contracts';
import { ZodPipe } from '#messaging';
import { DeployerService } from './deployer.service.js';

/**
 * Services on either target: list, status, revisions, rollback, traffic, logs, stop, start, delete.
 * Without a `target` a request is for the local runtime, as it always was.
 */
@Controller()
export class RuntimeController {
  constructor(private readonly deployer: DeployerService) {}

  @MessagePattern(listServicesSubject.subject)
  async list(
    @Payload(new ZodPipe(listServicesSubject.request)) _request: RequestOf<typeof listServicesSubject>,
  ): Promise<ResponseOf<typeof listServicesSubject>> {
    return { services: await this.deployer.runtime.list() };
  }

  @MessagePattern(serviceStateSubject.subject)
  status(@Payload(new ZodPipe(serviceStateSubject.request)) request: RequestOf<typeof serviceStateSubject>): Promise<ResponseOf<typeof serviceStateSubject>> {
    return this.deployer.cloud(request.target ?? 'local', 'status').status(request.name);
  }

  @MessagePattern(listRevisionsSubject.subject)
  async revisions(
    @Payload(new ZodPipe(listRevisionsSubject.request)) request: RequestOf<typeof listRevisionsSubject>,
  ): Promise<ResponseOf<typeof listRevisionsSubject>> {
    const revisions =
      request.target === 'cloudrun'
        ? await this.deployer.cloud('cloudrun', 'revisions').revisions(request.name)
        : await this.deployer.runtime.revisions(request.name);
    return { name: request.name, revisions };
  }

  @MessagePattern(rollbackSubject.subject)
  rollback(@Payload(new ZodPipe(rollbackSubject.request)) request: RequestOf<typeof rollbackSubject>): Promise<ResponseOf<typeof rollbackSubject>> {
    if (request.target === 'cloudrun') return this.deployer.cloud('cloudrun', 'rollback').rollback(request.name, request.revision);
    return this.deployer.runtime.rollback(request.name, request.revision);
  }

  @MessagePattern(trafficSubject.subject)
  traffic(@Payload(new ZodPipe(trafficSubject.request)) request: RequestOf<typeof trafficSubject>): Promise<ResponseOf<typeof trafficSubject>> {
    return this.deployer.cloud(request.target ?? 'local', 'traffic').traffic(request.name, request.splits);
  }

  @MessagePattern(serviceLogsSubject.subject)
  async logs(@Payload(new ZodPipe(serviceLogsSubject.request)) request: RequestOf<typeof serviceLogsSubject>): Promise<ResponseOf<typeof serviceLogsSubject>> {
    const tail = Number(request.tail ?? 200);
    if (request.target !== 'cloudrun') return { name: request.name, lines: await this.deployer.runtime.logs(request.name, tail) };
    const entries = await this.deployer.cloud('cloudrun', 'logs').logs(request.name, tail);
    return { name: request.name, lines: entries.map((e) => `${e.at} ${e.revision ?? '-'} ${e.text}`), entries };
  }

  @MessagePattern(stopServiceSubject.subject)
  async stop(@Payload(new ZodPipe(stopServiceSubject.request)) request: RequestOf<typeof stopServiceSubject>): Promise<ResponseOf<typeof stopServiceSubject>> {
    if (request.target === 'cloudrun') {
      const state = await this.deployer.cloud('cloudrun', 'stop').stop(request.name);
      return { name: request.name, status: state.stopped ? 'stopped' : 'running' };
    }
    const summary = await this.deployer.runtime.stop(request.name);
    return { name: request.name, status: summary.status };
  }

  @MessagePattern(startServiceSubject.subject)
  async start(
    @Payload(new ZodPipe(startServiceSubject.request)) request: RequestOf<typeof startServiceSubject>,
  ): Promise<ResponseOf<typeof startServiceSubject>> {
    const state = await this.deployer.cloud(request.target ?? 'local', 'start').start(request.name);
    return { name: request.name, status: state.stopped ? 'stopped' : 'running' };
  }

  @MessagePattern(deleteServiceSubject.subject)
  async delete(
    @Payload(new ZodPipe(deleteServiceSubject.request)) request: RequestOf<typeof deleteServiceSubject>,
  ): Promise<ResponseOf<typeof deleteServiceSubject>> {
    const result =
      request.target === 'cloudrun' ? await this.deployer.cloud('cloudrun', 'delete').delete(request.name) : await this.deployer.runtime.delete(request.name);
    return { name: result.name, deleted: true, secrets: result.secrets };
  }

  @MessagePattern(syncSecretsSubject.subject)
  async syncSecrets(
    @Payload(new ZodPipe(syncSecretsSubject.request)) request: RequestOf<typeof syncSecretsSubject>,
  ): Promise<ResponseOf<typeof syncSecretsSubject>> {
    return { refs: await this.deployer.cloud('cloudrun', 'secrets').syncSecrets(request.name, request.secrets, request.purpose) };
  }
}
