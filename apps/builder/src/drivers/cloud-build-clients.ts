import type { CloudBuildClient } from '@google-cloud/cloudbuild';
import type { Storage } from '@google-cloud/storage';
import type { ChannelCredentials } from '@grpc/grpc-js';
import type { BuilderConfig } from '../builder.config.js';

export interface CloudBuildClients {
  cloudBuild: CloudBuildClient;
  storage: Storage;
}

type EndpointConfig = Pick<BuilderConfig, 'GOOGLE_CLOUD_PROJECT' | 'CLOUDBUILD_API_ENDPOINT' | 'STORAGE_API_ENDPOINT'>;

/**
 * The official clients with Application Default Credentials. A configured endpoint is a private
 * endpoint (`host[:port]` or `https://…`, with credentials) or an emulator (`http://host:port`,
 * plaintext and without credentials, which no real Google endpoint accepts).
 */
export async function createCloudBuildClients(config: EndpointConfig): Promise<CloudBuildClients> {
  // Loaded on first use: the clients take over a second to import, which the local target never needs.
  const [{ CloudBuildClient }, { Storage }, { credentials }] = await Promise.all([
    import('@google-cloud/cloudbuild'),
    import('@google-cloud/storage'),
    // The transport google-gax itself uses; only needed for a plaintext emulator endpoint.
    import('@grpc/grpc-js'),
  ]);
  return {
    cloudBuild: new CloudBuildClient(cloudBuildOptions(config.CLOUDBUILD_API_ENDPOINT, credentials.createInsecure)),
    storage: new Storage(storageOptions(config)),
  };
}

function cloudBuildOptions(endpoint: string | undefined, insecure: () => ChannelCredentials): ConstructorParameters<typeof CloudBuildClient>[0] {
  if (!endpoint) return {};
  const url = new URL(endpoint.includes('://') ? endpoint : `https://${endpoint}`);
  const plaintext = url.protocol === 'http:';
  const port = Number(url.port || (plaintext ? 80 : 443));
  if (!plaintext) return { apiEndpoint: url.hostname, port };
  // A stated universe keeps google-auth-library from asking the GCE metadata server for one.
  return { apiEndpoint: url.hostname, port, sslCreds: insecure(), universeDomain: 'googleapis.com' };
}

function storageOptions(config: EndpointConfig): ConstructorParameters<typeof Storage>[0] {
  const endpoint = config.STORAGE_API_ENDPOINT;
  const projectId = config.GOOGLE_CLOUD_PROJECT || undefined;
  if (!endpoint) return { projectId };
  const url = new URL(endpoint.includes('://') ? endpoint : `https://${endpoint}`);
  return { projectId, apiEndpoint: url.origin, useAuthWithCustomEndpoint: url.protocol === 'https:' };
}
