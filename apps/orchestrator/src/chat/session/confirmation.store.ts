import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ChatIntent } from '#contracts';
import { ChatConfirmationEntity } from '../../database/chat.entity.js';
import { checkCall, isCommandName, type CommandCall } from '../commands/command-catalog.js';

/** How long a confirmation button works. */
export const CONFIRMATION_TTL_MS = 15 * 60_000;

export type Claim =
  | { state: 'claimed'; call: CommandCall; intent: ChatIntent }
  | { state: 'done'; intent: ChatIntent; result: Record<string, unknown> | null }
  | { state: 'expired' | 'dismissed' | 'missing' };

/** The plans behind confirmation buttons: each runs once, for its owner, before it expires. */
@Injectable()
export class ConfirmationStore {
  constructor(private readonly db: DataSource) {}

  async create(sessionId: string, owner: string, call: CommandCall, intent: ChatIntent, ttlMs = CONFIRMATION_TTL_MS): Promise<{ id: string; expiresAt: Date }> {
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + ttlMs);
    await this.db.getRepository(ChatConfirmationEntity).insert({ id, sessionId, owner, call: { ...call }, intent: { ...intent }, expiresAt });
    return { id, expiresAt };
  }

  /** Marks the confirmation used and hands back its plan — at most once, whoever presses first. */
  async claim(id: string, owner: string): Promise<Claim> {
    const rows: { call: { command: string; input: unknown }; intent: ChatIntent }[] = await this.db
      .query(
        `UPDATE chat_confirmations SET used_at = now()
          WHERE id = $1 AND owner = $2 AND used_at IS NULL AND dismissed_at IS NULL AND expires_at > now()
        RETURNING call, intent`,
        [id, owner],
      )
      .then((r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as never);
    const claimed = rows[0];
    if (claimed) {
      // Stored by this code from a checked call; checked again so a changed schema cannot run an old shape.
      const checked = isCommandName(claimed.call.command) ? checkCall(claimed.call.command, claimed.call.input) : null;
      if (!checked || !('call' in checked)) return { state: 'expired' };
      return { state: 'claimed', call: checked.call, intent: claimed.intent };
    }
    const row = await this.db.getRepository(ChatConfirmationEntity).findOneBy({ id, owner });
    if (!row) return { state: 'missing' };
    if (row.usedAt) return { state: 'done', intent: row.intent as ChatIntent, result: row.result };
    if (row.dismissedAt) return { state: 'dismissed' };
    return { state: 'expired' };
  }

  async finish(id: string, result: Record<string, unknown>): Promise<void> {
    await this.db.query('UPDATE chat_confirmations SET result = $2 WHERE id = $1', [id, JSON.stringify(result)]);
  }

  /** True when it was still open. */
  async dismiss(id: string, owner: string): Promise<boolean> {
    const result = await this.db
      .getRepository(ChatConfirmationEntity)
      .createQueryBuilder()
      .update()
      .set({ dismissedAt: () => 'now()' })
      .where('id = :id AND owner = :owner AND used_at IS NULL AND dismissed_at IS NULL', { id, owner })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
