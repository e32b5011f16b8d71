import { Module, type DynamicModule } from '@nestjs/common';
import { MessageBus, RAW_CLIENT } from './message-bus.js';
import { createClientProxy, type TransportSettings } from './transport.js';

@Module({})
export class MessagingModule {
  static forRoot(service: string, settings: TransportSettings): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [{ provide: RAW_CLIENT, useFactory: () => createClientProxy(service, settings) }, MessageBus],
      exports: [MessageBus],
    };
  }
}
