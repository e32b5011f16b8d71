import { listServicesSubject, rollbackSubject, serviceLogsSubject } from '#contracts';
import type { MessageBus } from '#messaging';
import type { Intent } from './intent.js';

interface Reply {
  content: string;
  actions: never[];
  metadata: Record<string, unknown>;
}

/** Chat answers about the local runtime's services, from the deployer. */
export async function runtimeReply(bus: MessageBus, intent: Extract<Intent, { kind: 'status' | 'logs' | 'rollback' }>): Promise<Reply> {
  if (intent.kind === 'status') {
    const { services } = await bus.request(listServicesSubject, {});
    if (services.length === 0) return { content: 'No services yet. Deploy one and it shows up here.', actions: [], metadata: { services } };
    const rows = services.map(
      (s) =>
        `- **${s.name}** ${s.status} at ${s.url}${s.revision ? ` (revision \`${s.revision.slice(0, 8)}\`)` : ''}${s.restarts ? `, ${s.restarts} restarts` : ''}`,
    );
    return { content: rows.join('\n'), actions: [], metadata: { services } };
  }
  if (intent.kind === 'logs') {
    const { lines } = await bus.request(serviceLogsSubject, { name: intent.service, tail: 50 });
    const body = lines.length ? ['```', ...lines.map((l) => l.replaceAll('```', "'''")), '```'].join('\n') : '_no log lines yet_';
    return { content: `Last lines of **${intent.service}**:\n${body}`, actions: [], metadata: { service: intent.service, lines } };
  }
  const result = await bus.request(rollbackSubject, { name: intent.service, revision: intent.revision });
  return { content: `**${result.name}** now serves revision \`${result.revision}\` at ${result.url}.`, actions: [], metadata: { ...result } };
}
