import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { chatSubject, type RequestOf } from '#contracts';
import { ZodPipe } from '#messaging';
import { ChatService } from './chat.service.js';

@Controller()
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @MessagePattern(chatSubject.subject)
  handle(@Payload(new ZodPipe(chatSubject.request)) request: RequestOf<typeof chatSubject>) {
    return this.chat.handle(request);
  }
}
