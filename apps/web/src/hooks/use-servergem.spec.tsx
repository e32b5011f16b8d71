// @vitest-environment jsdom
/// <reference types="node" />
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { Server, type Socket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientMessage, SubscribeRequest } from '#contracts';
import { deploymentStore } from '../lib/browser-storage';
import { useServerGem } from './use-servergem';

const id = '6f1c2a8e-3b9d-4c1e-9a2f-0d7b5e4c3a21';
const update = (seq: number, logs: string[]) => ({
  type: 'deployment_update' as const,
  data: {
    deploymentId: id,
    seq,
    stage: 'building' as const,
    progress: 30 + seq,
    message: 'Building',
    logs,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  },
});

describe(useServerGem.name, () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  const sockets: Socket[] = [];
  const messages: ClientMessage[] = [];
  const subscribes: SubscribeRequest[] = [];
  let reply: { content: string; actions: unknown[]; metadata: Record<string, unknown> };

  beforeEach(async () => {
    sessionStorage.clear();
    sockets.length = messages.length = subscribes.length = 0;
    reply = { content: 'Deploying **/srv/app**.', actions: [], metadata: { deploymentId: id } };
    http = createServer();
    io = new Server(http);
    io.on('connection', (socket) => {
      sockets.push(socket);
      socket.on('message', (payload: ClientMessage) => {
        messages.push(payload);
        socket.emit('message', { type: 'message', data: reply });
        socket.emit('deployment_update', update(1, ['$ npm ci']));
        socket.emit('deployment_update', update(2, ['added 1 package']));
      });
      socket.on('subscribe', (payload: SubscribeRequest) => {
        subscribes.push(payload);
        // Replays overlap what the page already has; the page must not repeat a line.
        socket.emit('deployment_update', update(2, ['added 1 package']));
        socket.emit('deployment_update', update(3, ['$ npm run build']));
      });
    });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    cleanup();
    await io.close();
  });

  it('resubscribes after its last seq when the connection comes back, and repeats no line', async () => {
    const { result } = renderHook(() => useServerGem('', url));
    await waitFor(() => expect(result.current.connection.state).toBe('connected'));

    act(() => void result.current.send('deploy /srv/app', { action: 'deploy', repoUrl: '/srv/app' }));
    await waitFor(() => expect(result.current.deployment?.lastSeq).toBe(2));
    expect(messages[0]).toMatchObject({ type: 'message', message: 'deploy /srv/app', context: { action: 'deploy', repoUrl: '/srv/app' } });
    expect(messages[0].clientMessageId).toBeTruthy();

    sockets[0].disconnect(true);
    await waitFor(() => expect(result.current.deployment?.lastSeq).toBe(3), { timeout: 5_000 });
    expect(subscribes).toEqual([{ deploymentId: id, afterSeq: 2 }]);
    expect(result.current.deployment?.lines).toEqual(['$ npm ci', 'added 1 package', '$ npm run build']);
    expect(result.current.connection.state).toBe('connected');
    expect(result.current.chat.map((entry) => entry.from)).toEqual(['user', 'agent']);
  });

  it('picks up a deployment saved by an earlier page load where it left off', async () => {
    deploymentStore.save({
      deploymentId: id,
      lastSeq: 2,
      stage: 'building',
      progress: 32,
      message: 'Building',
      lines: ['$ npm ci', 'added 1 package'],
      stages: [],
      lastAt: null,
      complete: null,
      error: null,
    });
    const { result } = renderHook(() => useServerGem('', url));
    await waitFor(() => expect(result.current.deployment?.lastSeq).toBe(3));
    expect(subscribes).toEqual([{ deploymentId: id, afterSeq: 2 }]);
    expect(result.current.deployment?.lines).toEqual(['$ npm ci', 'added 1 package', '$ npm run build']);
  });

  it('says the browser is not logged in when the server refuses its token, and connects with the right one', async () => {
    io.use((socket, next) =>
      socket.handshake.auth.token === 'the-install-token' ? next() : next(new Error('unauthorized: A valid access token is required.')),
    );
    const { result, rerender } = renderHook(({ token }) => useServerGem(token, url), { initialProps: { token: 'stale' } });
    await waitFor(() => expect(result.current.connection.state).toBe('unauthorized'));
    expect(result.current.connection.reason).toMatch(/login link/);
    rerender({ token: 'the-install-token' });
    await waitFor(() => expect(result.current.connection.state).toBe('connected'));
  });

  it('keeps a reply’s buttons, intent and diagnoses, and answers a confirmation with its id', async () => {
    const confirmId = '0b6c8a2e-1d3f-4e5a-9b7c-6d5e4f3a2b10';
    const confirm = { id: confirmId, label: 'Confirm', type: 'confirm', style: 'danger' };
    const diagnosis = {
      rule: 'missing-env',
      title: 'Missing GREETING',
      explanation: 'x',
      evidence: ['GREETING'],
      fix: { summary: 'set GREETING', needsValues: ['GREETING'] },
    };
    reply = {
      content: 'Roll back?',
      actions: [confirm, { ...confirm, label: 'Cancel', type: 'dismiss' }],
      metadata: { intent: { kind: 'rollback', service: 'web', confirmation: 'required' }, diagnoses: [diagnosis] },
    };
    const { result } = renderHook(() => useServerGem('', url));
    await waitFor(() => expect(result.current.connection.state).toBe('connected'));
    act(() => void result.current.send('roll web back'));
    await waitFor(() => expect(result.current.chat).toHaveLength(2));
    const asked = result.current.chat[1];
    expect(asked).toMatchObject({ from: 'agent', intent: { kind: 'rollback', service: 'web' }, diagnoses: [diagnosis] });
    expect(asked.actions).toHaveLength(2);

    act(() => void result.current.press(asked.id, asked.actions![0]));
    await waitFor(() => expect(messages).toHaveLength(2));
    expect(messages[1]).toMatchObject({ message: 'Confirm', context: { action: 'confirm', actionId: confirmId } });
    expect(result.current.chat[1].answered).toBe(`confirm:${confirmId}`);
    expect(result.current.chat[2]).toMatchObject({ from: 'user', content: 'Confirm' });
  });
});
