import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import {
  deploymentCompleteSchema,
  deploymentErrorSchema,
  deploymentUpdateSchema,
  diagnosisSchema,
  requestErrorSchema,
  serverMessageSchema,
  type ClientMessage,
  type ChatAction,
  type ClientToServerEvents,
  type DeploymentComplete,
  type DeploymentError,
  type DeploymentUpdate,
  type ServerToClientEvents,
} from '#contracts';
import { chatStore, deploymentStore, type StoredChatEntry } from '../lib/browser-storage';
import { applyComplete, applyError, applyUpdate, isFinished, newDeployment, type DeploymentState } from '../lib/deployment-state';
import { newId } from '../lib/format';
import { z } from 'zod';

const diagnosesSchema = z.array(diagnosisSchema);

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'down';
export interface Connection {
  state: ConnectionState;
  reason: string | null;
}

export type ChatEntry = StoredChatEntry;

export type MessageContext = NonNullable<ClientMessage['context']>;

type DeploymentAction =
  | { type: 'watch'; deploymentId: string }
  | { type: 'update'; data: DeploymentUpdate['data'] }
  | { type: 'complete'; data: DeploymentComplete['data'] }
  | { type: 'error'; data: DeploymentError['data'] }
  | { type: 'clear' };

function deploymentReducer(state: DeploymentState | null, action: DeploymentAction): DeploymentState | null {
  switch (action.type) {
    case 'watch':
      return state?.deploymentId === action.deploymentId ? state : newDeployment(action.deploymentId);
    case 'update':
      return state ? applyUpdate(state, action.data) : state;
    case 'complete':
      return state ? applyComplete(state, action.data) : state;
    case 'error':
      return state ? applyError(state, action.data) : state;
    case 'clear':
      return null;
  }
}

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

// After this many failed attempts in a row the server is reported as down (retries continue).
const DOWN_AFTER_FAILURES = 3;
const SAVE_EVERY_MS = 250;

/** The socket to the gateway, the chat with the orchestrator agent, and the deployment being watched. */
export function useServerGem(accessToken: string, serverUrl?: string) {
  const [connection, setConnection] = useState<Connection>({ state: 'connecting', reason: null });
  const [chat, setChat] = useState<ChatEntry[]>(chatStore.load);
  const [awaitingReply, setAwaitingReply] = useState(false);
  const [deployment, dispatch] = useReducer(deploymentReducer, null, () => deploymentStore.load());
  const socketRef = useRef<AppSocket | null>(null);
  // Also kept as state so the GitHub repository picker can send its own requests over it.
  const [socket, setSocket] = useState<AppSocket | null>(null);
  const deploymentRef = useRef(deployment);
  deploymentRef.current = deployment;

  useEffect(() => {
    const save = () => deploymentStore.save(deploymentRef.current);
    if (!deployment || isFinished(deployment)) {
      save();
      return;
    }
    const timer = window.setTimeout(save, SAVE_EVERY_MS);
    return () => window.clearTimeout(timer);
  }, [deployment]);

  useEffect(() => chatStore.save(chat), [chat]);

  useEffect(() => {
    const flush = () => deploymentStore.save(deploymentRef.current);
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, []);

  useEffect(() => {
    const options = { transports: ['websocket'], auth: accessToken ? { token: accessToken } : {}, reconnectionDelayMax: 5_000 };
    // The page talks to the origin that served it; tests point it at their own server.
    const socket: AppSocket = serverUrl ? io(serverUrl, options) : io(options);
    socketRef.current = socket;
    setSocket(socket);
    let failures = 0;
    let everConnected = false;

    socket.on('connect', () => {
      failures = 0;
      everConnected = true;
      setConnection({ state: 'connected', reason: null });
      const current = deploymentRef.current;
      if (current && !isFinished(current)) socket.emit('subscribe', { deploymentId: current.deploymentId, afterSeq: current.lastSeq });
    });
    socket.on('disconnect', (reason) => {
      setAwaitingReply(false);
      if (reason === 'io client disconnect') return;
      setConnection({ state: 'reconnecting', reason: 'The connection to the server was lost; reconnecting…' });
      // The server closing the socket does not trigger the client's own reconnection.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', (error) => {
      failures += 1;
      if (!socket.active) {
        // The server is up but refused this browser's token (or it has none): say how to log in.
        if (/unauthorized/i.test(error.message)) {
          setConnection({
            state: 'unauthorized',
            reason: 'The server needs its access token: open the login link ServerGem printed when it started, or set the token under "Access token".',
          });
        } else setConnection({ state: 'down', reason: error.message });
        return;
      }
      const state: ConnectionState = failures >= DOWN_AFTER_FAILURES ? 'down' : everConnected ? 'reconnecting' : 'connecting';
      setConnection({ state, reason: 'Cannot reach the ServerGem server; retrying…' });
    });

    socket.on('message', (payload) => {
      const parsed = serverMessageSchema.safeParse(payload);
      if (!parsed.success) return;
      setAwaitingReply(false);
      const { content, actions, metadata } = parsed.data.data;
      const diagnoses = diagnosesSchema.safeParse(metadata.diagnoses);
      if (content || actions.length)
        setChat((entries) => [
          ...entries,
          {
            id: newId(),
            from: 'agent',
            content,
            ...(actions.length ? { actions } : {}),
            ...(metadata.intent ? { intent: metadata.intent } : {}),
            ...(diagnoses.success && diagnoses.data.length ? { diagnoses: diagnoses.data } : {}),
          },
        ]);
      if (typeof metadata.deploymentId === 'string') dispatch({ type: 'watch', deploymentId: metadata.deploymentId });
    });
    socket.on('deployment_update', (payload) => {
      const parsed = deploymentUpdateSchema.safeParse(payload);
      if (parsed.success) dispatch({ type: 'update', data: parsed.data.data });
    });
    socket.on('deployment_complete', (payload) => {
      const parsed = deploymentCompleteSchema.safeParse(payload);
      if (parsed.success) dispatch({ type: 'complete', data: parsed.data.data });
    });
    socket.on('deployment_error', (payload) => {
      const parsed = deploymentErrorSchema.safeParse(payload);
      if (parsed.success) dispatch({ type: 'error', data: parsed.data.data });
    });
    socket.on('request_error', (payload) => {
      const parsed = requestErrorSchema.safeParse(payload);
      if (!parsed.success) return;
      const { event, code, message, hint } = parsed.data.data;
      // The repository picker shows its own errors.
      if (event === 'github_repos' || event === 'github_branches') return;
      setAwaitingReply(false);
      // The watched deployment is gone (another server, a fresh database): stop showing it as running.
      if (event === 'subscribe' && code === 'NOT_FOUND') dispatch({ type: 'clear' });
      setChat((entries) => [...entries, { id: newId(), from: 'error', content: message, hint }]);
    });

    return () => {
      socket.removeAllListeners();
      socket.close();
      socketRef.current = null;
      setSocket(null);
    };
  }, [accessToken, serverUrl]);

  /** Sends a chat message (optionally with a deploy/analyze context); false when not connected. */
  const send = useCallback((message: string, context?: MessageContext): boolean => {
    const socket = socketRef.current;
    if (!socket?.connected) return false;
    setChat((entries) => [...entries, { id: newId(), from: 'user', content: message }]);
    setAwaitingReply(true);
    socket.emit('message', { type: 'message', message, ...(context ? { context } : {}), clientMessageId: newId() });
    return true;
  }, []);

  /**
   * A reply's `confirm` / `dismiss` button answers its confirmation: `context.action` + `actionId`, the
   * label shown as what the user said. (`reply` and `prompt` buttons are the chat box's own.)
   */
  const press = useCallback((entryId: string, action: ChatAction): boolean => {
    const socket = socketRef.current;
    if (!socket?.connected) return false;
    if (action.type === 'confirm' || action.type === 'dismiss') {
      setChat((entries) => [
        ...entries.map((entry) => (entry.id === entryId ? { ...entry, answered: `${action.type}:${action.id}` } : entry)),
        { id: newId(), from: 'user' as const, content: action.label },
      ]);
      setAwaitingReply(true);
      socket.emit('message', { type: 'message', message: action.label, context: { action: action.type, actionId: action.id }, clientMessageId: newId() });
      return true;
    }
    return false;
  }, []);

  const clearDeployment = useCallback(() => dispatch({ type: 'clear' }), []);

  return { connection, chat, awaitingReply, deployment, send, press, clearDeployment, socket };
}
