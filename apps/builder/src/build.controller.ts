import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { buildSubject, type RequestOf } from '#contracts';
import { ZodPipe } from '#messaging';
import { BuilderService } from './builder.service.js';

@Controller()
export class BuildController {
  constructor(private readonly builder: BuilderService) {}

  @MessagePattern(buildSubject.subject)
  build(@Payload(new ZodPipe(buildSubject.request)) request: RequestOf<typeof buildSubject>) {
    return this.builder.build(request);
  }
}
