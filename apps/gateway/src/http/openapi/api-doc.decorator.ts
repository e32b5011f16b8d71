import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import type { RequestSubject } from '#contracts';

export const API_DOC = 'servergem:api-doc';

/** What a route's parameters and body do not say about it: a summary and what it answers. */
export interface ApiDoc {
  /** One line, as the API page lists it. */
  summary: string;
  /** The answer's schema: a zod schema, or the subject whose reply the route returns as it is. */
  returns: z.ZodType | RequestSubject;
  /** The answer's media type when it is not JSON (the metrics' text format). */
  contentType?: string;
}

/**
 * Documents a REST route in `GET /api/openapi.json`. Paths, methods, parameters, bodies and who
 * may call it come from the route itself (Nest's metadata and its `ZodPipe`s); this adds the rest.
 */
export const Documented = (doc: ApiDoc) => SetMetadata(API_DOC, doc);
