import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { clientGithubBranchesSchema, clientGithubReposSchema, githubBranchesSubject, githubReposSubject } from '#contracts';
import { DomainError, SecretBox } from '#common';
import { MessageBus, ZodPipe } from '#messaging';
import type { RateLimiter } from './rate-limiter.js';

const reposPipe = new ZodPipe(clientGithubReposSchema);
const branchesPipe = new ZodPipe(clientGithubBranchesSchema);

/** The repository selector of the web UI: the user's GitHub repositories and their branches. */
@WebSocketGateway()
export class GithubGateway {
  private readonly logger = new Logger(GithubGateway.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly secrets: SecretBox,
  ) {}

  @SubscribeMessage('github_repos')
  async onRepos(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<void> {
    await this.guard(socket, 'github_repos', async () => {
      const { githubToken, query, page } = reposPipe.transform(body);
      const reply = await this.bus.request(githubReposSubject, { sealedToken: this.secrets.seal(githubToken), query, page });
      socket.emit('github_repos', { type: 'github_repos', data: { repos: reply.repos } });
    });
  }

  @SubscribeMessage('github_branches')
  async onBranches(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<void> {
    await this.guard(socket, 'github_branches', async () => {
      const { githubToken, repo } = branchesPipe.transform(body);
      const reply = await this.bus.request(githubBranchesSubject, { repo, ...(githubToken ? { sealedToken: this.secrets.seal(githubToken) } : {}) });
      socket.emit('github_branches', { type: 'github_branches', data: { repo, defaultBranch: reply.defaultBranch, branches: reply.branches } });
    });
  }

  private async guard(socket: Socket, event: string, work: () => Promise<void>): Promise<void> {
    // The connection's one rate limiter, set up by DeployGateway when the socket connected.
    const limiter = (socket.data.state as { limiter?: RateLimiter } | undefined)?.limiter;
    try {
      if (!limiter?.take()) {
        throw new DomainError('RATE_LIMITED', 'Too many messages from this connection.', 'Slow down and try again in a moment.');
      }
      await work();
    } catch (error) {
      const domain = DomainError.from(error);
      if (domain.code === 'INTERNAL') this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      socket.emit('request_error', { type: 'request_error', data: { event, code: domain.code, message: domain.message, hint: domain.hint || undefined } });
    }
  }
}
