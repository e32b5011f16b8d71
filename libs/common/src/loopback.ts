import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether a host names this machine's loopback interface, decided on the address: an IP literal
 * in 127.0.0.0/8 or ::1 (IPv4-mapped forms included), or the name `localhost`. Any other name is
 * not loopback, whatever it resolves to today: `127.0.0.1.nip.io` is a public DNS name.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  if (family === 0) return false;
  return LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}
