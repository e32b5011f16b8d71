import { Module, type DynamicModule } from '@nestjs/common';
import { MessageBus, RAW_CLIENT } from './message-bus.js';
import { STEP_JOB_QUEUE, StepJobs } from './step-jobs.service.js';
import { createClientProxy, createStepJobQueue, type TransportSettings } from './transport.js';

@Module({})
export class MessagingModule {
  static forRoot(service: string, settings: TransportSettings): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: RAW_CLIENT, useFactory: () => createClientProxy(service, settings) },
        MessageBus,
        // Made on first use: only the orchestrator runs steps.
        { provide: STEP_JOB_QUEUE, useFactory: () => createStepJobQueue(service, settings) },
        StepJobs,
      ],
      exports: [MessageBus, StepJobs],
    };
  }
}
