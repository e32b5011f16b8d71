import { formatBytes, formatCpuSeconds, formatDuration, type OwnedService } from '#contracts';

/**
 * What a service uses: memory, CPU time, processes and uptime of a running local app (its process
 * group, measured now); on Cloud Run the limits of each instance from its settings, since usage is
 * not measured there without Cloud Monitoring. Nothing for an app that is not running.
 */
export function ServiceUsage({ service }: { service: OwnedService }) {
  if (service.target === 'cloudrun') {
    const cpu = service.limits?.cpu ? `${service.limits.cpu} vCPU` : 'default vCPU';
    const memory = service.limits?.memory ?? 'default memory';
    return (
      <span className="service-usage muted" data-testid="service-usage" title="Cloud Run usage needs Cloud Monitoring; these are the limits of each instance">
        limits {cpu}, {memory} per instance · usage not measured on Cloud Run
      </span>
    );
  }
  if (service.status !== 'running' || service.memoryBytes == null || service.cpuSeconds == null) return null;
  const parts = [`${formatBytes(service.memoryBytes)} memory`, `${formatCpuSeconds(service.cpuSeconds)} CPU`];
  if (service.processes) parts.push(`${service.processes} ${service.processes === 1 ? 'process' : 'processes'}`);
  if (service.uptimeSeconds != null) parts.push(`up ${formatDuration(service.uptimeSeconds)}`);
  return (
    <span className="service-usage" data-testid="service-usage" title="Resident memory and CPU time of the app's processes, now">
      {parts.join(' · ')}
    </span>
  );
}
