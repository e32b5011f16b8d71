import * as grpc from '@grpc/grpc-js';

/** The options every gax-based Google client takes to find its endpoint. */
export interface GoogleClientOptions {
  [option: string]: string | number | object | undefined;
  projectId?: string;
  apiEndpoint?: string;
  port?: number;
  sslCreds?: grpc.ChannelCredentials;
  clientOptions?: { universeDomain: string };
}

/**
 * Client options for one Google API. Production: default credentials against Google's endpoint.
 * An endpoint as `host:port` keeps TLS and credentials (a private endpoint); as `http://host:port`
 * it speaks plaintext gRPC without credentials (an emulator, or a fake in `libs/testing`).
 */
export function googleClientOptions(endpoint: string | undefined, projectId: string | undefined): GoogleClientOptions {
  const base = { projectId };
  if (!endpoint) return base;
  const plaintext = endpoint.startsWith('http://');
  const url = new URL(plaintext ? endpoint : `https://${endpoint}`);
  const port = Number(url.port || (plaintext ? 80 : 443));
  if (!plaintext) return { ...base, apiEndpoint: url.hostname, port };
  // Naming the universe keeps google-auth from looking for credentials the emulator does not need.
  return { ...base, apiEndpoint: url.hostname, port, sslCreds: grpc.credentials.createInsecure(), clientOptions: { universeDomain: 'googleapis.com' } };
}
