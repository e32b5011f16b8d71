import type { CloudRunLimits, ServiceSettings, ServiceSummary, ServiceUsage } from '#contracts';

/** What the local runtime measured of a service now; nothing (null) when it did not. */
export function usageOf(summary: ServiceSummary | undefined): Required<ServiceUsage> {
  return {
    memoryBytes: summary?.memoryBytes ?? null,
    cpuSeconds: summary?.cpuSeconds ?? null,
    processes: summary?.processes ?? null,
    uptimeSeconds: summary?.uptimeSeconds ?? null,
  };
}

/** Cloud Run: the limits the settings give each instance (null: the deployer's default), since usage is not measured there. */
export function cloudRunLimits(settings: Pick<ServiceSettings, 'cloudRun'>): CloudRunLimits {
  return { cpu: settings.cloudRun?.cpu ?? null, memory: settings.cloudRun?.memory ?? null };
}
