import { BlockList, isIP } from 'node:net';

/**
 * Addresses Castellan's outbound requests (platform/outbound-fetch.ts) may not reach unless the operator allows private
 * addresses (`OUTBOUND_PRIVATE_ADDRESSES`): RFC 6890's special-purpose addresses that reach this host, its network or
 * its cloud provider — unspecified, loopback, private, CGNAT (also Alibaba's metadata 100.100.100.200), link-local
 * (the cloud metadata 169.254.169.254, and AWS's fd00:ec2::254 under fc00::/7), IETF protocol assignments,
 * benchmarking, multicast, reserved and broadcast. node:net's BlockList checks an IPv4-mapped IPv6 address
 * (::ffff:7f00:1, in any notation) against the IPv4 rules.
 */
const SPECIAL_USE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  SPECIAL_USE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  SPECIAL_USE.addSubnet(network, prefix, 'ipv6');

/** Whether `address` (an IP literal) is one outbound requests refuse by default. */
export function isSpecialUseAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new Error(`${address} is not an IP address`);
  return SPECIAL_USE.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
