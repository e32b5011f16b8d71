import { Inject, Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { chatSubject, clientMessageSchema, subscribeSchema, takeValues, type ErrorCode } from '#contracts';
import { DomainError, SecretBox } from '#common';
import { MessageBus } from '#messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config.js';
import { ConnectionStats } from './connection-stats.js';
import { DeploymentStreams } from './deployment-streams.service.js';
import { RateLimiter } from './rate-limiter.js';

interface SocketState {
  owner: string;
  sessionId?: string;
  limiter: RateLimiter;
}

/** Socket.IO, as the web UI and the CLI speak it (shared/DESIGN.md, Contracts). */
@WebSocketGateway()
export class DeployGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(DeployGateway.name);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly bus: MessageBus,
    private readonly streams: DeploymentStreams,
    private readonly secrets: SecretBox,
    private readonly stats: ConnectionStats,
  ) {}

  handleConnection(socket: Socket): void {
    this.stats.opened();
    const owner = socket.data.owner as string;
    socket.data.state = { owner, limiter: new RateLimiter(this.config.SOCKET_RATE_LIMIT) } satisfies SocketState;
  }

  handleDisconnect(socket: Socket): void {
    this.stats.closed();
    this.streams.dropSocket(socket.id);
  }

  @SubscribeMessage('message')
  async onMessage(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<void> {
    await this.guard(socket, 'message', async (state) => {
      const parsed = clientMessageSchema.safeParse(body);
      if (!parsed.success) throw invalid(parsed.error.issues);
      const { message, context, clientMessageId, sessionId } = parsed.data;
      const { githubToken, env, buildEnv, secrets, buildSecrets, ...rest } = context ?? {};
      // Secrets are sealed here, at the edge: past the gateway no value travels in clear.
      const sealedSecrets = secrets ? this.secrets.sealAll(secrets) : undefined;
      const sealedBuildSecrets = buildSecrets ? this.secrets.sealAll(buildSecrets) : undefined;
      const settings = env || buildEnv || sealedSecrets || sealedBuildSecrets ? { env, buildEnv, sealedSecrets, sealedBuildSecrets } : undefined;
      // So are values typed into the message ("set API_KEY=… as a secret"): it travels with them masked.
      const typed = takeValues(message);
      const sealedValues = this.secrets.sealAll(typed.values);
      const reply = await this.bus.request(chatSubject, {
        owner: state.owner,
        sessionId: sessionId ?? state.sessionId,
        message: typed.masked,
        context: {
          ...rest,
          ...(githubToken ? { sealedToken: this.secrets.seal(githubToken) } : {}),
          ...(settings ? { settings } : {}),
          ...(Object.keys(sealedValues).length ? { sealedValues } : {}),
        },
        clientMessageId,
      });
      state.sessionId = reply.sessionId;
      socket.emit('message', {
        type: 'message',
        data: { content: reply.content, actions: reply.actions, metadata: { ...reply.metadata, sessionId: reply.sessionId } },
      });
      const deploymentId = reply.metadata.deploymentId;
      if (typeof deploymentId === 'string') await this.streams.subscribe(socket, state.owner, deploymentId, 0);
    });
  }

  @SubscribeMessage('subscribe')
  async onSubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<void> {
    await this.guard(socket, 'subscribe', async (state) => {
      const parsed = subscribeSchema.safeParse(body);
      if (!parsed.success) throw invalid(parsed.error.issues);
      // Ownership is checked by the store: someone else's deployment reads as not found.
      await this.streams.subscribe(socket, state.owner, parsed.data.deploymentId, parsed.data.afterSeq);
    });
  }

  private async guard(socket: Socket, event: string, work: (state: SocketState) => Promise<void>): Promise<void> {
    const state = socket.data.state as SocketState;
    try {
      if (!state.limiter.take()) {
        throw new DomainError('RATE_LIMITED', 'Too many messages from this connection.', 'Slow down and try again in a moment.');
      }
      await work(state);
    } catch (error) {
      const domain = DomainError.from(error);
      if (domain.code === 'INTERNAL') this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      this.reject(socket, event, domain.code, domain.message, domain.hint);
    }
  }

  private reject(socket: Socket, event: string, code: ErrorCode, message: string, hint?: string): void {
    socket.emit('request_error', { type: 'request_error', data: { event, code, message, hint } });
  }
}

function invalid(issues: { path: PropertyKey[]; message: string }[]): DomainError {
  const problems = issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || 'payload'}: ${i.message}`)
    .join('; ');
  return new DomainError('VALIDATION_FAILED', `The request is not valid (${problems}).`, 'Fix the fields named and send it again.');
}
