import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { z } from 'zod';
import { Public } from '../public.decorator.js';
import { Documented } from './api-doc.decorator.js';
import { apiDocsPage } from './api-docs-page.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js';

/**
 * The API's description, made once from the controllers of the running app. Public: it says
 * nothing the source does not (no data, no settings), and a client needs it before it has a token.
 */
@Controller('api')
@Public()
export class OpenApiController {
  private document: OpenApiDocument | undefined;

  constructor(private readonly modules: ModulesContainer) {}

  @Get('openapi.json')
  @Header('Cache-Control', 'no-cache')
  @Documented({ summary: 'This document: every REST route of this server (OpenAPI 3.1)', returns: z.record(z.string(), z.unknown()) })
  openApi(): OpenApiDocument {
    return this.built();
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
  @Documented({ summary: 'The same document as a page to read', returns: z.string(), contentType: 'text/html' })
  docs(): string {
    return apiDocsPage(this.built());
  }

  private built(): OpenApiDocument {
    this.document ??= buildOpenApiDocument(controllersOf(this.modules), packageVersion());
    return this.document;
  }
}

/** Every controller of the app, from every module, in the order Nest registered them. */
export function controllersOf(modules: ModulesContainer): Type[] {
  const controllers: Type[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) if (wrapper.metatype) controllers.push(wrapper.metatype as Type);
  }
  return controllers;
}

/** ServerGem's version, from the package.json above this file (in `src/` and in `dist/` alike). */
function packageVersion(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
    if (dirname(dir) === dir) return '0.0.0';
  }
}
