import { describe, expect, it } from 'vitest';
import { isolationNotice, resolveAppIdentity, type UserAccounts } from './app-user.js';

/** A machine's accounts as a table, so each branch of the decision can be taken on purpose. */
function accounts(options: { uid: number | null; users?: Record<string, number>; createFails?: string }): UserAccounts & { created: string[] } {
  const users = new Map(Object.entries(options.users ?? {}));
  const created: string[] = [];
  return {
    created,
    currentUid: () => options.uid,
    currentName: () => (options.uid === 0 ? 'root' : 'alice'),
    find: async (name) => (users.has(name) ? { uid: users.get(name)!, gid: users.get(name)! } : null),
    create: async (name) => {
      if (options.createFails) throw new Error(options.createFails);
      created.push(name);
      users.set(name, 990);
    },
  };
}

describe(resolveAppIdentity.name, () => {
  it('as root, reuses the app user when it exists', async () => {
    const machine = accounts({ uid: 0, users: { 'servergem-app': 995 } });
    expect(await resolveAppIdentity('servergem-app', machine)).toEqual({ isolated: true, user: 'servergem-app', uid: 995, gid: 995 });
    expect(machine.created).toEqual([]);
  });

  it('as root, creates the app user when it is missing', async () => {
    const machine = accounts({ uid: 0 });
    expect(await resolveAppIdentity('servergem-app', machine)).toMatchObject({ isolated: true, uid: 990 });
    expect(machine.created).toEqual(['servergem-app']);
  });

  it('not as root, runs apps as the current user and says why', async () => {
    const machine = accounts({ uid: 1000, users: { 'servergem-app': 995 } });
    expect(await resolveAppIdentity('servergem-app', machine)).toMatchObject({ isolated: false, reason: 'not-root', runningAs: 'alice' });
    expect(machine.created).toEqual([]);
  });

  it('as root, when useradd fails, runs apps as root and keeps the reason', async () => {
    const machine = accounts({ uid: 0, createFails: 'useradd is not installed' });
    expect(await resolveAppIdentity('servergem-app', machine)).toMatchObject({
      isolated: false,
      reason: 'cannot-create',
      runningAs: 'root',
      detail: 'useradd is not installed',
    });
  });

  it('never takes a uid 0 account for the app user', async () => {
    const machine = accounts({ uid: 0, users: { toor: 0 } });
    expect(await resolveAppIdentity('toor', machine)).toMatchObject({ isolated: false, reason: 'privileged' });
  });
});

describe(isolationNotice.name, () => {
  const home = '/srv/servergem-home';

  it('says who apps run as when they are isolated, and warns about nothing', () => {
    const sut = isolationNotice({ isolated: true, user: 'servergem-app', uid: 995, gid: 995 }, home);
    expect(sut.level).toBe('info');
    expect(sut.text).toContain('unprivileged user servergem-app (uid 995)');
    expect(sut.text).toContain(`no access to ${home}`);
  });

  it('not as root: apps run as you, can read your files and the home, and how to change it', () => {
    const sut = isolationNotice({ isolated: false, reason: 'not-root', user: 'servergem-app', runningAs: 'alice', detail: '' }, home);
    expect(sut.level).toBe('warn');
    expect(sut.text).toContain('run as alice');
    expect(sut.text).toContain(`every file alice can, including ServerGem's keys and database in ${home}`);
    expect(sut.text).toContain('start ServerGem as root');
    expect(sut.text).toContain('Cloud Run');
  });

  it('when the user could not be created: apps run as root, why, and the exact command that fixes it', () => {
    const sut = isolationNotice(
      { isolated: false, reason: 'cannot-create', user: 'servergem-app', runningAs: 'root', detail: 'useradd is not installed' },
      home,
    );
    expect(sut.level).toBe('warn');
    expect(sut.text).toContain('(useradd is not installed)');
    expect(sut.text).toContain('run as root');
    expect(sut.text).toContain('useradd --system --user-group --no-create-home --shell /usr/sbin/nologin servergem-app');
    expect(sut.text).toContain('APP_USER');
  });

  it('a privileged APP_USER is called out, with what to set instead', () => {
    const sut = isolationNotice({ isolated: false, reason: 'privileged', user: 'toor', runningAs: 'root', detail: 'toor has uid 0' }, home);
    expect(sut.level).toBe('warn');
    expect(sut.text).toContain('APP_USER=toor is a privileged user');
  });
});
