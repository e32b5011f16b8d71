import { type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '#common';

/**
 * Validates an inbound payload at the boundary; a bad one becomes a VALIDATION_FAILED error that
 * names the fields. A REST parameter or query value is named by its own name (`id`, `tail`). Its
 * schema is public: the OpenAPI document of the REST routes is made from it.
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(readonly schema: S) {}

  transform(value: unknown, metadata?: ArgumentMetadata): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const field = metadata?.type === 'param' || metadata?.type === 'query' ? metadata.data : undefined;
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${[field, ...i.path.map(String)].filter(Boolean).join('.') || 'payload'}: ${i.message}`)
      .join('; ');
    throw new DomainError('VALIDATION_FAILED', `The request is not valid (${problems}).`, 'Fix the fields named and send it again.');
  }
}
