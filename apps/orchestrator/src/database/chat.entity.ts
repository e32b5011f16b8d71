import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('chat_sessions')
export class ChatSessionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') owner!: string;
  /** What the conversation is about (see `chat-focus.ts`); names and ids only. */
  @Column('jsonb', { default: {} }) focus!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity('chat_messages')
export class ChatMessageEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'session_id' }) sessionId!: string;
  @Column('text') role!: 'user' | 'assistant';
  @Column('text') content!: string;
  @Column('jsonb', { default: {} }) metadata!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** A plan behind a confirmation button: runs once, by its owner, before it expires. */
@Entity('chat_confirmations')
export class ChatConfirmationEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'session_id' }) sessionId!: string;
  @Column('text') owner!: string;
  @Column('jsonb') call!: Record<string, unknown>;
  @Column('jsonb') intent!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'used_at', nullable: true }) usedAt!: Date | null;
  @Column('timestamptz', { name: 'dismissed_at', nullable: true }) dismissedAt!: Date | null;
  @Column('jsonb', { nullable: true }) result!: Record<string, unknown> | null;
}
