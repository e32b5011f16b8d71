import { z } from 'zod';
import { localTargetFields } from '#common';
import { logConfigFields } from '#messaging';

/** What the composition root itself reads; each service still checks its own schema. */
export const allInOneConfigSchema = z.object({
  /** Without it, an embedded PostgreSQL starts in the installation's shared folder. */
  DATABASE_URL: z.string().optional(),
  SERVERGEM_HOME: z.string().optional(),
  ...logConfigFields,
  ...localTargetFields,
});
export type AllInOneConfig = z.output<typeof allInOneConfigSchema>;
