import type { OpenApiDocument } from './openapi-document.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const json = (value: unknown) => escape(JSON.stringify(value, null, 2));

interface PageOperation {
  summary?: string;
  parameters?: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }>; $ref?: string }>;
  security?: unknown[];
}

/**
 * The API as a page: every route with its parameters, body and answer, rendered on the server
 * from the same document as `/api/openapi.json`. No script and nothing from elsewhere, so it works
 * offline and under the UI's content security policy.
 */
export function apiDocsPage(document: OpenApiDocument): string {
  const sections = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations as Record<string, PageOperation>).map(([method, op]) => {
      const params = (op.parameters ?? [])
        .map(
          (p) => `<tr><td><code>${escape(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><pre>${json(p.schema)}</pre></td></tr>`,
        )
        .join('');
      const body = op.requestBody ? Object.values(op.requestBody.content)[0]?.schema : undefined;
      const answers = Object.entries(op.responses)
        .filter(([status]) => /^\d/.test(status) && !status.startsWith('4'))
        .map(
          ([status, r]) =>
            `<h4>${escape(status)} ${escape(Object.keys(r.content ?? {})[0] ?? '')}</h4><pre>${json(Object.values(r.content ?? {})[0]?.schema ?? {})}</pre>`,
        )
        .join('');
      return `<section>
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary ?? '')}${op.security?.length === 0 ? ' <em>(no token needed)</em>' : ''}</p>
${params ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${params}</table>` : ''}
${body ? `<h4>Body (application/json)</h4><pre>${json(body)}</pre>` : ''}
${answers}
</section>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ServerGem API</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4 }
section { border-top: 1px solid #ddd; padding: .5rem 0 }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .85rem; margin: 0 }
table { border-collapse: collapse; width: 100% } td, th { border: 1px solid #ddd; padding: .25rem; vertical-align: top; text-align: left }
.method { display: inline-block; min-width: 4.5rem; font-weight: bold } .get { color: #1a7f37 } .post { color: #0550ae } .delete { color: #cf222e }
</style></head>
<body>
<h1>${escape(document.info.title)} API <small>${escape(document.info.version)}</small></h1>
<p>${escape(document.info.description)}</p>
<p>The same as JSON: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors answer <code>{ code, message, hint }</code>.</p>
${sections.join('\n')}
</body></html>`;
}
