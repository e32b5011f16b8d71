import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { deploySubject, type RequestOf } from '#contracts';
import { ZodPipe } from '#messaging';
import { DeployerService } from './deployer.service.js';

@Controller()
export class DeployController {
  constructor(private readonly deployer: DeployerService) {}

  @MessagePattern(deploySubject.subject)
  deploy(@Payload(new ZodPipe(deploySubject.request)) request: RequestOf<typeof deploySubject>) {
    return this.deployer.deploy(request);
  }
}
