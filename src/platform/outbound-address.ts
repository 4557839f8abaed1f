import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses an org's HTTP targets, change webhooks and scripts' `http.fetch` may not reach unless the operator allows
 * private addresses (`OUTBOUND_PRIVATE_ADDRESSES`, as for back-channel logout): loopback, private, link-local (cloud
 * metadata), CGNAT, unspecified and their IPv6 counterparts (RFC 6890's special-purpose registries).
 */
const SPECIAL_USE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
] as const)
  SPECIAL_USE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  SPECIAL_USE.addSubnet(network, prefix, 'ipv6');

function isSpecialUse(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return SPECIAL_USE.check(mapped, 'ipv4');
  return SPECIAL_USE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Throws when `url`'s host is, or resolves to, a special-use address. Checked before each request; a name whose
 * records change between this check and the connection (DNS rebinding) is not caught here.
 */
export async function refuseSpecialUseAddress(url: string): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  if (addresses.some(isSpecialUse)) throw new Error(`${host} is a private or special-use address`);
}
