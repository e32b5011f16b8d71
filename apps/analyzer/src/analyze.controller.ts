import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { analyzeSubject, type RequestOf } from '#contracts';
import { ZodPipe } from '#messaging';
import { AnalyzerService } from './analyzer.service.js';

@Controller()
export class AnalyzeController {
  constructor(private readonly analyzer: AnalyzerService) {}

  @MessagePattern(analyzeSubject.subject)
  analyze(@Payload(new ZodPipe(analyzeSubject.request)) request: RequestOf<typeof analyzeSubject>) {
    return this.analyzer.analyze(request);
  }
}
