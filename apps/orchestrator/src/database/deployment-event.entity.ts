import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DeploymentOutcome, Stage } from '#contracts';

@Entity('deployment_events')
export class DeploymentEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'deployment_id' }) deploymentId!: string;
  @Column('int') seq!: number;
  @Column('text') stage!: Stage;
  @Column('int') progress!: number;
  @Column('text') message!: string;
  @Column('jsonb') logs!: string[];
  @Column('jsonb', { nullable: true }) outcome!: DeploymentOutcome | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
