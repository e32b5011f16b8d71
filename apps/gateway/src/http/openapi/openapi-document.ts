import { RequestMethod, type Type } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { z } from 'zod';
import { ZodPipe } from '#messaging';
import { IS_PUBLIC } from '../public.decorator.js';
import { API_DOC, type ApiDoc } from './api-doc.decorator.js';
import { toOpenApiSchema, type JsonSchema } from './json-schema.js';

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; responses: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: Record<string, string[]>[];
  tags: { name: string }[];
}

interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
}

/** One REST route as Nest registers it: the first path of its controller and of its handler. */
export interface RouteInfo {
  method: string;
  /** OpenAPI form: `/api/services/{name}/logs`. */
  path: string;
  controller: Type;
  handler: string;
}

interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.OPTIONS]: 'options',
  [RequestMethod.HEAD]: 'head',
};

const errorSchema = z.object({
  code: z.string().meta({ description: 'One of the error codes in libs/contracts/src/errors.ts, e.g. VALIDATION_FAILED, NOT_FOUND.' }),
  message: z.string().meta({ description: 'What happened, in a sentence a person can act on.' }),
  hint: z.string().meta({ description: 'What to do about it.' }),
});

/** The REST routes of these controllers, in the order Nest registers them. */
export function routesOf(controllers: Type[]): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const controller of controllers) {
    const base = firstPath(Reflect.getMetadata(PATH_METADATA, controller));
    for (const handler of Object.getOwnPropertyNames(controller.prototype as object)) {
      const fn = (controller.prototype as Record<string, unknown>)[handler];
      if (handler === 'constructor' || typeof fn !== 'function') continue;
      const method = METHODS[Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod];
      const own = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
      if (!method || own === undefined) continue;
      routes.push({ method, path: openApiPath(base, firstPath(own)), controller, handler });
    }
  }
  return routes;
}

/**
 * The OpenAPI 3.1 document of every REST route of these controllers, made from the routes
 * themselves: Nest's path and method metadata, the `ZodPipe` schema on each parameter, query and
 * body, `@Public()`, `@HttpCode()`, and `@Documented()` for the summary and the answer's schema.
 */
export function buildOpenApiDocument(controllers: Type[], version: string): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = {};
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const route of routesOf(controllers)) {
    const fn = (route.controller.prototype as Record<string, (...args: unknown[]) => unknown>)[route.handler]!;
    const doc = Reflect.getMetadata(API_DOC, fn) as ApiDoc | undefined;
    const isPublic = Reflect.getMetadata(IS_PUBLIC, fn) === true || Reflect.getMetadata(IS_PUBLIC, route.controller) === true;
    const tag = route.controller.name.replace(/Controller$/, '');
    tags.add(tag);
    const { parameters, body } = argumentsOf(route, schemas);
    const status = String((Reflect.getMetadata(HTTP_CODE_METADATA, fn) as number | undefined) ?? (route.method === 'post' ? 201 : 200));
    const operation: Operation = {
      operationId: `${tag.charAt(0).toLowerCase()}${tag.slice(1)}_${route.handler}`,
      summary: doc?.summary ?? route.handler,
      tags: [tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body ? { requestBody: body } : {}),
      responses: {
        [status]: answerOf(doc, schemas),
        ...(isPublic ? {} : { '401': { $ref: '#/components/responses/Unauthorized' } }),
        default: { $ref: '#/components/responses/Error' },
      },
      ...(isPublic ? { security: [] } : {}),
    };
    (paths[route.path] ??= {})[route.method] = operation;
  }
  const error = {
    description: 'An error: its code, what happened and what to do.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  schemas.Error = toOpenApiSchema(errorSchema, 'output', schemas);
  return {
    openapi: '3.1.1',
    info: {
      title: 'ServerGem',
      version,
      description:
        'The REST API of the ServerGem gateway. Every route but the public ones needs `Authorization: Bearer <access token>`; ' +
        'a call that changes something is sent as JSON. Made from the routes themselves, so it lists exactly what this server serves.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas,
      responses: { Error: error, Unauthorized: { ...error, description: 'No valid access token was sent.' } },
      securitySchemes: { accessToken: { type: 'http', scheme: 'bearer', description: "An access token: AUTH_TOKEN's, or the install's own." } },
    },
    security: [{ accessToken: [] }],
    tags: [...tags].sort().map((name) => ({ name })),
  };
}

function argumentsOf(route: RouteInfo, schemas: Record<string, JsonSchema>): { parameters: Parameter[]; body?: Operation['requestBody'] } {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.controller, route.handler) ?? {}) as Record<string, RouteArgument>;
  const parameters: Parameter[] = [];
  let body: Operation['requestBody'];
  for (const [key, arg] of Object.entries(args)) {
    const type = Number(key.split(':')[0]);
    const schema = arg.pipes?.find((p): p is ZodPipe<z.ZodType> => p instanceof ZodPipe)?.schema;
    if (type === RouteParamtypes.PARAM || type === RouteParamtypes.QUERY) {
      const where = type === RouteParamtypes.PARAM ? 'path' : 'query';
      if (typeof arg.data === 'string') parameters.push(parameter(arg.data, where, schema, schemas));
      else if (schema instanceof z.ZodObject) {
        for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) parameters.push(parameter(name, where, field, schemas));
      }
    } else if (type === RouteParamtypes.BODY) {
      body = {
        required: !schema || !schema.safeParse(undefined).success,
        content: { 'application/json': { schema: schema ? toOpenApiSchema(schema, 'input', schemas) : {} } },
      };
    }
  }
  // A path parameter the handler does not read is still part of the path.
  for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
    if (!parameters.some((p) => p.in === 'path' && p.name === name)) parameters.push({ name: name!, in: 'path', required: true, schema: { type: 'string' } });
  }
  // Decorators run from the last argument to the first: path parameters are listed in the path's order.
  const at = (p: Parameter) => (p.in === 'path' ? route.path.indexOf(`{${p.name}}`) : Number.MAX_SAFE_INTEGER);
  parameters.sort((x, y) => at(x) - at(y));
  return { parameters, body };
}

function parameter(name: string, where: 'path' | 'query', schema: z.ZodType | undefined, schemas: Record<string, JsonSchema>): Parameter {
  return {
    name,
    in: where,
    required: where === 'path' || !schema || !schema.safeParse(undefined).success,
    schema: schema ? toOpenApiSchema(schema, 'input', schemas) : { type: 'string' },
  };
}

function answerOf(doc: ApiDoc | undefined, schemas: Record<string, JsonSchema>): unknown {
  if (!doc) return { description: 'Not documented yet: add @Documented() to the route.', content: { 'application/json': { schema: {} } } };
  const returns = 'kind' in doc.returns && doc.returns.kind === 'request' ? (doc.returns as { response: z.ZodType }).response : (doc.returns as z.ZodType);
  return { description: doc.summary, content: { [doc.contentType ?? 'application/json']: { schema: toOpenApiSchema(returns, 'output', schemas) } } };
}

function firstPath(path: string | string[] | undefined): string {
  return (Array.isArray(path) ? path[0] : path) ?? '';
}

/** `api/services` + `:name/logs` → `/api/services/{name}/logs`. */
function openApiPath(base: string, own: string): string {
  const joined = [base, own]
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .map((segment) => segment.replace(/^:(\w+)$/, '{$1}'))
    .join('/');
  return `/${joined}`;
}
