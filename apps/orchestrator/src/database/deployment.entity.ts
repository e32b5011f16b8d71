import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AnalysisReport, BuildArtifact, DeploymentStatus, ErrorCode, FilePatch, SealedSettingsChange, Stage, Target } from '#contracts';

export type DeploymentKind = 'deploy' | 'settings' | 'rebuild' | 'redeploy';

@Entity('deployments')
export class DeploymentEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') owner!: string;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey!: string | null;
  @Column('uuid', { name: 'session_id', nullable: true }) sessionId!: string | null;
  @Column('text') status!: DeploymentStatus;
  @Column('text') stage!: Stage;
  @Column('int') progress!: number;
  @Column('text', { name: 'repo_url' }) repoUrl!: string;
  @Column('text', { nullable: true }) branch!: string | null;
  @Column('text', { name: 'app_path', nullable: true }) appPath!: string | null;
  @Column('text', { name: 'commit_sha', nullable: true }) commitSha!: string | null;
  /** Accepted file fixes applied to this deployment's copy of the source. */
  @Column('jsonb', { nullable: true }) patches!: FilePatch[] | null;
  @Column('text') target!: Target;
  @Column('text', { name: 'service_name', nullable: true }) serviceName!: string | null;
  @Column('text', { nullable: true }) url!: string | null;
  @Column('text', { nullable: true }) image!: string | null;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('text', { name: 'error_code', nullable: true }) errorCode!: ErrorCode | null;
  @Column('text', { name: 'error_message', nullable: true }) errorMessage!: string | null;
  @Column('text', { name: 'error_hint', nullable: true }) errorHint!: string | null;
  @Column('jsonb', { nullable: true }) report!: AnalysisReport | null;
  @Column('jsonb', { nullable: true }) artifact!: BuildArtifact | null;
  /** The GitHub token, sealed; never stored in clear. */
  @Column('text', { name: 'sealed_token', nullable: true }) sealedToken!: string | null;
  /** The owner whose request cancelled it. */
  @Column('text', { name: 'cancelled_by', nullable: true }) cancelledBy!: string | null;
  @Column('int', { name: 'last_seq', default: 0 }) lastSeq!: number;
  @Column('uuid', { name: 'service_id', nullable: true }) serviceId!: string | null;
  /** The settings version this deployment used. */
  @Column('int', { name: 'settings_version', nullable: true }) settingsVersion!: number | null;
  /** `deploy` from a source, `settings` a settings change on the same build, `rebuild` a settings change of build-time values built again from the same source, `redeploy` the same source again. */
  @Column('text', { default: 'deploy' }) kind!: DeploymentKind;
  /** Settings the deploy request brought (secrets sealed), applied to the service before it builds. */
  @Column('jsonb', { name: 'pending_settings', nullable: true }) pendingSettings!: SealedSettingsChange | null;
  @Column('int', { default: 0 }) attempts!: number;
  @Column('text', { name: 'lease_owner', nullable: true }) leaseOwner!: string | null;
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true }) leaseExpiresAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
}
