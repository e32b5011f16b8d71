import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ServiceSettings, Target } from '#contracts';

/** A service a person owns; its name is unique in the installation. */
@Entity('services')
export class ServiceEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') owner!: string;
  @Column('text') name!: string;
  /** The name its source gave before it was made unique: the same owner deploying it again gets this service back. */
  @Column('text', { name: 'base_name' }) baseName!: string;
  @Column('text') target!: Target;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('text', { nullable: true }) url!: string | null;
  @Column('text', { name: 'repo_url' }) repoUrl!: string;
  @Column('text', { nullable: true }) branch!: string | null;
  @Column('text', { name: 'app_path', nullable: true }) appPath!: string | null;
  @Column('text', { name: 'current_revision', nullable: true }) currentRevision!: string | null;
  @Column('text', { name: 'previous_revision', nullable: true }) previousRevision!: string | null;
  @Column('uuid', { name: 'current_deployment_id', nullable: true }) currentDeploymentId!: string | null;
  @Column('uuid', { name: 'previous_deployment_id', nullable: true }) previousDeploymentId!: string | null;
  @Column('int', { name: 'settings_version', default: 0 }) settingsVersion!: number;
  @Column('boolean', { default: false }) stopped!: boolean;
  /** The deployment whose turn it is to roll out a revision (see `ServicesRepository.takeRolloutTurn`), under a lease. */
  @Column('uuid', { name: 'rollout_deployment_id', nullable: true }) rolloutDeploymentId!: string | null;
  @Column('timestamptz', { name: 'rollout_lease_expires_at', nullable: true }) rolloutLeaseExpiresAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** One version of a service's settings (secrets sealed); versions are never changed, only added. */
@Entity('service_settings')
export class ServiceSettingsEntity {
  @PrimaryColumn('uuid', { name: 'service_id' }) serviceId!: string;
  @PrimaryColumn('int') version!: number;
  @Column('jsonb') settings!: ServiceSettings;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
