import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { DomainError, SecretBox } from '#common';
import { FakeSecretManager } from '#testing';
import { CloudRunSecrets } from './cloud-run-secrets.js';
import { googleClientOptions } from './google-client-options.js';
import { SecretFingerprint } from './secret-fingerprint.js';

const PROJECT = 'demo-project';
const KEY = 'installation-key-for-tests';

describe(CloudRunSecrets.name, () => {
  let fake: FakeSecretManager;
  const clients: SecretManagerServiceClient[] = [];
  const box = new SecretBox(KEY);

  beforeAll(async () => {
    fake = await FakeSecretManager.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await fake.stop();
  });

  function newSut(key = KEY): CloudRunSecrets {
    const client = new SecretManagerServiceClient(googleClientOptions(`http://127.0.0.1:${fake.port}`, PROJECT));
    clients.push(client);
    return new CloudRunSecrets(client, PROJECT, new SecretBox(key), new SecretFingerprint(key));
  }

  const secretName = (service: string, name: string) => `projects/${PROJECT}/secrets/${CloudRunSecrets.secretId(service, name)}`;

  it('makes one labelled secret per variable whose version holds the opened value, and returns refs pinned to it', async () => {
    const sut = newSut();

    const refs = await sut.sync('shop', { DATABASE_URL: box.seal('postgres://u:p@db/shop'), API_KEY: box.seal('k-123456789') });

    expect(refs).toEqual({ DATABASE_URL: { secret: 'sg-shop-DATABASE_URL', version: '1' }, API_KEY: { secret: 'sg-shop-API_KEY', version: '1' } });
    expect(fake.value(secretName('shop', 'DATABASE_URL'), 1)).toBe('postgres://u:p@db/shop');
    const secret = fake.secrets.get(secretName('shop', 'API_KEY'))!;
    expect(secret.labels).toEqual({ 'managed-by': 'servergem', 'servergem-service': 'shop' });
    expect(secret.replication).toHaveProperty('automatic');
    // The annotation tells a change apart without holding the value or a plain hash of it.
    const annotation = secret.annotations['servergem-fingerprint']!;
    expect(annotation).toMatch(/^1:[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(secret.annotations)).not.toContain('k-123456789');
  });

  it('adds a new version only when the value changed', async () => {
    const sut = newSut();
    await sut.sync('blog', { TOKEN: box.seal('first-value-1234') });
    const added = () => fake.calls('AddSecretVersion', secretName('blog', 'TOKEN'));

    // Sealed again (a new IV), same value: no new version.
    expect(await sut.sync('blog', { TOKEN: box.seal('first-value-1234') })).toEqual({ TOKEN: { secret: 'sg-blog-TOKEN', version: '1' } });
    expect(added()).toBe(1);

    expect(await sut.sync('blog', { TOKEN: box.seal('second-value-5678') })).toEqual({ TOKEN: { secret: 'sg-blog-TOKEN', version: '2' } });
    expect(added()).toBe(2);
    expect(fake.value(secretName('blog', 'TOKEN'))).toBe('second-value-5678');
    expect(fake.value(secretName('blog', 'TOKEN'), 1)).toBe('first-value-1234');
  });

  it('adds a version again when someone added or disabled one outside ServerGem', async () => {
    const sut = newSut();
    await sut.sync('api', { KEY: box.seal('value-one-abcdef') });
    const secret = fake.secrets.get(secretName('api', 'KEY'))!;
    secret.versions.push({ number: 2, state: 'ENABLED', data: Buffer.from('typed in the console'), createdAt: Date.now() });

    expect(await sut.sync('api', { KEY: box.seal('value-one-abcdef') })).toEqual({ KEY: { secret: 'sg-api-KEY', version: '3' } });
    expect(fake.value(secretName('api', 'KEY'))).toBe('value-one-abcdef');
  });

  it('keeps versions and secrets a revision still uses, and lets go of the rest', async () => {
    const sut = newSut();
    await sut.sync('cart', { A: box.seal('a-value-1'), B: box.seal('b-value-1') });
    await sut.sync('cart', { A: box.seal('a-value-2') });
    await sut.sync('cart', { A: box.seal('a-value-3') });

    // A revision still runs with A version 1; the newest (3) is what the next revision gets.
    await sut.prune('cart', new Map([['sg-cart-A', new Set(['1', '3'])]]));

    const a = fake.secrets.get(secretName('cart', 'A'))!;
    expect(a.versions.map((v) => v.state)).toEqual(['ENABLED', 'DESTROYED', 'ENABLED']);
    expect(fake.secrets.has(secretName('cart', 'B'))).toBe(false);
  });

  it('deletes every secret it made for a service, and no other', async () => {
    const sut = newSut();
    await sut.sync('gone', { ONE: box.seal('one-value'), TWO: box.seal('two-value') });
    await sut.sync('stays', { ONE: box.seal('one-value') });

    expect((await sut.deleteAll('gone')).sort()).toEqual(['sg-gone-ONE', 'sg-gone-TWO']);

    expect(fake.secrets.has(secretName('gone', 'ONE'))).toBe(false);
    expect(fake.secrets.has(secretName('stays', 'ONE'))).toBe(true);
  });

  it('leaves alone a secret of the same id it did not make', async () => {
    const sut = newSut();
    const client = clients[0]!;
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'sg-theirs-PASSWORD', secret: { replication: { automatic: {} } } });

    const error = await sut.sync('theirs', { PASSWORD: box.seal('hunter2-hunter2') }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toBe(
      'Secret Manager already has a secret sg-theirs-PASSWORD that ServerGem did not make for theirs, so ServerGem leaves it alone.',
    );
    expect(fake.calls('AddSecretVersion', 'projects/demo-project/secrets/sg-theirs-PASSWORD')).toBe(0);
  });

  it('says so, without the value, when a secret was sealed with another key', async () => {
    const sut = newSut('another-installation-key');

    const error = (await sut.sync('mixed', { TOKEN: box.seal('sealed-elsewhere') }).catch((e: unknown) => e)) as DomainError;

    expect(error.message).toBe("Secret TOKEN of mixed cannot be opened with this installation's key.");
    expect(error.hint).toContain('SERVERGEM_SECRET_KEY');
    expect(fake.secrets.has(secretName('mixed', 'TOKEN'))).toBe(false);
  });

  it('gives ids Secret Manager accepts for the longest service and variable names', async () => {
    const sut = newSut();
    const service = `s${'x'.repeat(48)}`;
    const name = `V${'_'.repeat(127)}`;

    const refs = await sut.sync(service, { [name]: box.seal('long-names-value') });

    expect(refs[name]!.secret).toBe(`sg-${service}-${name}`);
    expect(fake.value(secretName(service, name))).toBe('long-names-value');
  });
});
