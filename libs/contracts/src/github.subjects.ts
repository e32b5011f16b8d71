import { z } from 'zod';
import { defineRequest } from './subject.js';
import { singleLine } from './text.js';

/** `owner/name` as GitHub allows them: no path tricks, no URL, nothing a shell would read. */
export const githubRepoNameSchema = z
  .string()
  .max(140)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'must be "owner/name"')
  .refine((v) => !['.', '..'].includes(v.split('/')[1] ?? ''), 'must be "owner/name"');

export const githubRepoSchema = z.object({
  fullName: z.string(),
  name: z.string(),
  owner: z.string(),
  private: z.boolean(),
  language: z.string().nullable(),
  pushedAt: z.string().nullable(),
  defaultBranch: z.string(),
  htmlUrl: z.string(),
  description: z.string().nullable(),
});
export type GithubRepo = z.infer<typeof githubRepoSchema>;

export const githubBranchSchema = z.object({ name: z.string(), sha: z.string() });
export type GithubBranch = z.infer<typeof githubBranchSchema>;

const repoQuerySchema = singleLine({ max: 100 }).trim().optional();
const pageSchema = z.number().int().min(1).max(100).optional();

export const githubReposSubject = defineRequest({
  subject: 'analyzer.github.repos.v1',
  service: 'analyzer',
  timeoutMs: 60_000,
  request: z.object({
    sealedToken: singleLine({ max: 2048 }),
    /** Keeps repositories whose name contains this text (case-insensitive). */
    query: repoQuerySchema,
    page: pageSchema,
  }),
  response: z.object({ repos: z.array(githubRepoSchema) }),
});

export const githubBranchesSubject = defineRequest({
  subject: 'analyzer.github.branches.v1',
  service: 'analyzer',
  timeoutMs: 60_000,
  request: z.object({
    sealedToken: singleLine({ max: 2048 }).optional(),
    repo: githubRepoNameSchema,
  }),
  response: z.object({ defaultBranch: z.string(), branches: z.array(githubBranchSchema) }),
});

/** client -> server `github_repos`: the repositories the token can see, newest push first. */
export const clientGithubReposSchema = z.object({
  query: repoQuerySchema,
  page: pageSchema,
  githubToken: singleLine({ min: 1, max: 512 }),
});
export type ClientGithubRepos = z.infer<typeof clientGithubReposSchema>;

/** client -> server `github_branches`: a repository's branches and its default branch. */
export const clientGithubBranchesSchema = z.object({
  repo: githubRepoNameSchema,
  githubToken: singleLine({ min: 1, max: 512 }).optional(),
});
export type ClientGithubBranches = z.infer<typeof clientGithubBranchesSchema>;

/** server -> client `github_repos` */
export const serverGithubReposSchema = z.object({
  type: z.literal('github_repos'),
  data: z.object({ repos: z.array(githubRepoSchema) }),
});
export type ServerGithubRepos = z.infer<typeof serverGithubReposSchema>;

/** server -> client `github_branches` */
export const serverGithubBranchesSchema = z.object({
  type: z.literal('github_branches'),
  data: z.object({ repo: z.string(), defaultBranch: z.string(), branches: z.array(githubBranchSchema) }),
});
export type ServerGithubBranches = z.infer<typeof serverGithubBranchesSchema>;
