import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { ErrorCode } from '#contracts';
import { isLoopbackHost } from '#common';
import type { GatewayConfig } from './gateway.config.js';

/** What the front door looks at: the same for a REST request and a Socket.IO handshake. */
export interface DoorRequest {
  method?: string;
  headers: IncomingHttpHeaders;
  socket: { localAddress?: string; localPort?: number };
}

export interface Refusal {
  status: 403 | 415 | 421;
  code: ErrorCode;
  message: string;
  hint: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A header no page can add to a cross-site request without a preflight, which this server never answers. */
export const REQUEST_HEADER = 'x-servergem-request';
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** An IPv4 address as IPv4, even when the socket reports it IPv4-mapped (`::ffff:1.2.3.4`). */
export function plainAddress(address: string | undefined): string {
  const bare = (address ?? '').toLowerCase();
  return bare.startsWith('::ffff:') && isIP(bare.slice(7)) === 4 ? bare.slice(7) : bare;
}

// Echoed back in a refusal: keep it short and printable.
const shown = (value: string) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);

/**
 * Every request must prove it is meant for this server before any handler sees it:
 * - its `Host` is one of ours (loopback names, the address it arrived on, ALLOWED_HOSTS), so a
 *   page on a rebinding name (`evil.example` resolving to 127.0.0.1) is refused;
 * - a browser's `Origin` is this server's own page or in ALLOWED_ORIGINS;
 * - a request that changes something is JSON (or carries X-ServerGem-Request), which no page on
 *   another site can send without a preflight, so "simple" cross-site form and text posts never land.
 */
export class FrontDoor {
  private readonly hosts: ReadonlySet<string>;
  private readonly origins: ReadonlySet<string>;

  constructor(private readonly config: Pick<GatewayConfig, 'HOST' | 'PORT' | 'ALLOWED_HOSTS' | 'ALLOWED_ORIGINS'>) {
    const bound = config.HOST.toLowerCase();
    // The name the server was told to listen on is one people use to reach it.
    this.hosts = new Set([...config.ALLOWED_HOSTS.map((h) => h.toLowerCase()), ...(WILDCARDS.has(bound) ? [] : [hostnameOf(bound) ?? bound])]);
    this.origins = new Set(config.ALLOWED_ORIGINS);
  }

  /** The first rule a request breaks, or null when it may go on (the token is checked after). */
  judge(request: DoorRequest): Refusal | null {
    return this.checkHost(request) ?? this.checkOrigin(request) ?? this.checkContentType(request);
  }

  /** Host and Origin: all a Socket.IO handshake (a GET) has to pass before its token is looked at. */
  judgeHandshake(request: DoorRequest): Refusal | null {
    return this.checkHost(request) ?? this.checkOrigin(request);
  }

  private checkHost(request: DoorRequest): Refusal | null {
    const host = request.headers.host ?? '';
    const name = hostnameOf(host);
    if (name && this.allowsHost(name, request.socket.localAddress)) return null;
    return {
      status: 421,
      code: 'MISDIRECTED_REQUEST',
      message: host ? `This ServerGem does not answer to the host name ${shown(host)}.` : 'The request names no host.',
      hint:
        `Open it as http://127.0.0.1:${request.socket.localPort ?? this.config.PORT} (or localhost) on its own machine. If ${host ? shown(name ?? host) : 'the name'} is its public name, ` +
        'add it to ALLOWED_HOSTS on the server.',
    };
  }

  private allowsHost(name: string, localAddress: string | undefined): boolean {
    if (isLoopbackHost(name) || this.hosts.has(name)) return true;
    // An address typed as digits cannot be rebound to another machine: the one it arrived on is ours.
    const literal = name.replace(/^\[(.*)\]$/, '$1');
    return isIP(literal) !== 0 && plainAddress(literal) === plainAddress(localAddress);
  }

  private checkOrigin(request: DoorRequest): Refusal | null {
    const origin = request.headers.origin;
    // Browsers always send Origin on the requests a page can make to us; programs send none and rely on the token.
    if (origin === undefined) return null;
    if (this.allowsOrigin(origin, request.headers.host ?? '')) return null;
    return {
      status: 403,
      code: 'FORBIDDEN',
      message: `Requests from the page at ${shown(origin)} are refused: it is not one of this server's own pages.`,
      hint: "Use the web UI this server serves. If that page is yours (a development server, a proxy's public address), add its origin to ALLOWED_ORIGINS on the server.",
    };
  }

  private allowsOrigin(origin: string, host: string): boolean {
    if (!URL.canParse(origin)) return false;
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (this.origins.has(url.origin)) return true;
    // The page this server served: same scheme-default port rules as the browser, on a Host already allowed.
    return URL.canParse(`${url.protocol}//${host}`) && new URL(`${url.protocol}//${host}`).host === url.host;
  }

  private checkContentType(request: DoorRequest): Refusal | null {
    if (SAFE_METHODS.has((request.method ?? 'GET').toUpperCase())) return null;
    if (request.headers[REQUEST_HEADER] !== undefined) return null;
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json') return null;
    return {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: `A request that changes something must be sent as JSON, not ${type ? shown(type) : 'without a Content-Type'}.`,
      hint: `Send it with \`Content-Type: application/json\` (a body of \`{}\` will do), or with the header \`X-ServerGem-Request: 1\`.`,
    };
  }
}

/** The host name of a `Host` header value (`[::1]` keeps its brackets), or null when it is not one. */
function hostnameOf(host: string): string | null {
  if (!host || /[\s/@?#\\]/.test(host) || !URL.canParse(`http://${host}`)) return null;
  return new URL(`http://${host}`).hostname.toLowerCase();
}
