import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '#common';
import { ChatMessageEntity, ChatSessionEntity } from '../../database/chat.entity.js';
import { readFocus, type ChatFocus } from './chat-focus.js';

export interface ChatSession {
  id: string;
  focus: ChatFocus;
}

export interface HistoryEntry {
  role: 'user' | 'assistant';
  content: string;
}

/** Chat sessions and their messages, read back: what a conversation is about survives reconnects and restarts. */
@Injectable()
export class ChatSessionStore {
  constructor(private readonly db: DataSource) {}

  /** The session asked for, else the owner's latest, else a new one. Someone else's session is refused. */
  async open(owner: string, requested: string | undefined): Promise<ChatSession> {
    const sessions = this.db.getRepository(ChatSessionEntity);
    if (requested) {
      const existing = await sessions.findOneBy({ id: requested });
      if (existing && existing.owner !== owner) throw new DomainError('FORBIDDEN', 'That chat session belongs to someone else.', 'Start a new session.');
      if (existing) return { id: existing.id, focus: readFocus(existing.focus) };
    } else {
      const latest = await sessions.findOne({ where: { owner }, order: { updatedAt: 'DESC' } });
      if (latest) return { id: latest.id, focus: readFocus(latest.focus) };
    }
    const id = requested ?? randomUUID();
    await sessions.createQueryBuilder().insert().values({ id, owner, focus: {} }).orIgnore().execute();
    const row = await sessions.findOneByOrFail({ id });
    if (row.owner !== owner) throw new DomainError('FORBIDDEN', 'That chat session belongs to someone else.', 'Start a new session.');
    return { id, focus: readFocus(row.focus) };
  }

  async saveFocus(sessionId: string, focus: ChatFocus): Promise<void> {
    await this.db.query('UPDATE chat_sessions SET focus = $2, updated_at = now() WHERE id = $1', [sessionId, JSON.stringify(focus)]);
  }

  async remember(sessionId: string, role: 'user' | 'assistant', content: string, metadata: Record<string, unknown>): Promise<void> {
    await this.db.query('INSERT INTO chat_messages (session_id, role, content, metadata) VALUES ($1, $2, $3, $4)', [
      sessionId,
      role,
      content,
      JSON.stringify(metadata),
    ]);
  }

  /** The last messages of a session, oldest first. */
  async history(sessionId: string, limit: number): Promise<HistoryEntry[]> {
    const rows = await this.db.getRepository(ChatMessageEntity).find({ where: { sessionId }, order: { id: 'DESC' }, take: limit });
    return rows.reverse().map((r) => ({ role: r.role, content: r.content }));
  }
}
