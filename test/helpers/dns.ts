// A real DNS server on loopback (dns2, over UDP) for the domain verification tests: it answers A and TXT questions
// from a zone the test edits, and NXDOMAIN for names it does not hold.
import dns2 from 'dns2';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';

const { Packet } = dns2;
const NXDOMAIN = 3;
type Answer = InstanceType<typeof Packet>['answers'][number];
/** dns2 encodes plain records; its type is the decoded class. */
const answer = (fields: { name: string; type: number; address?: string; data?: string }) =>
  ({ class: Packet.CLASS.IN, ttl: 1, ...fields }) as unknown as Answer;

export interface TestDns {
  /** `host:port`, for config domainVerification.dnsServers. */
  address: string;
  /** `a` answers every A question the same; `aSequence` answers the n-th A question with its n-th entry (the last
   * one from then on), as a name re-pointed between two look-ups does (DNS rebinding). */
  zone: Map<string, { a?: string[]; aSequence?: string[][]; txt?: string[] }>;
  /** A questions asked, per name. */
  aQuestions: Map<string, number>;
  stop(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const zone: TestDns['zone'] = new Map();
  const aQuestions: TestDns['aQuestions'] = new Map();
  const addressesOf = (name: string, records: { a?: string[]; aSequence?: string[][] }): string[] => {
    const asked = aQuestions.get(name) ?? 0;
    aQuestions.set(name, asked + 1);
    const sequence = records.aSequence;
    return sequence ? (sequence[Math.min(asked, sequence.length - 1)] ?? []) : (records.a ?? []);
  };
  const server = dns2.createServer({
    udp: true,
    handle(request, send) {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = (question?.name ?? '').toLowerCase();
      const records = zone.get(name);
      if (!records) response.header.rcode = NXDOMAIN;
      else if (question?.type === Packet.TYPE.A)
        for (const address of addressesOf(name, records))
          response.answers.push(answer({ name, type: Packet.TYPE.A, address }));
      else if (question?.type === Packet.TYPE.TXT)
        for (const data of records.txt ?? []) response.answers.push(answer({ name, type: Packet.TYPE.TXT, data }));
      send(response);
    },
  });
  const port = await freeLoopbackPort();
  await server.listen({ udp: { port, address: '127.0.0.1' } });
  return { address: `127.0.0.1:${port}`, zone, aQuestions, stop: () => server.close() };
}
