import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { githubBranchesSubject, githubReposSubject, type RequestOf } from '#contracts';
import { ZodPipe } from '#messaging';
import { GithubService } from './github.service.js';

@Controller()
export class GithubController {
  constructor(private readonly github: GithubService) {}

  @MessagePattern(githubReposSubject.subject)
  repos(@Payload(new ZodPipe(githubReposSubject.request)) request: RequestOf<typeof githubReposSubject>) {
    return this.github.listRepos(request);
  }

  @MessagePattern(githubBranchesSubject.subject)
  branches(@Payload(new ZodPipe(githubBranchesSubject.request)) request: RequestOf<typeof githubBranchesSubject>) {
    return this.github.listBranches(request);
  }
}
