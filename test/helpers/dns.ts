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
  zone: Map<string, { a?: string[]; txt?: string[] }>;
  stop(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const zone: TestDns['zone'] = new Map();
  const server = dns2.createServer({
    udp: true,
    handle(request, send) {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = (question?.name ?? '').toLowerCase();
      const records = zone.get(name);
      if (!records) response.header.rcode = NXDOMAIN;
      else if (question?.type === Packet.TYPE.A)
        for (const address of records.a ?? []) response.answers.push(answer({ name, type: Packet.TYPE.A, address }));
      else if (question?.type === Packet.TYPE.TXT)
        for (const data of records.txt ?? []) response.answers.push(answer({ name, type: Packet.TYPE.TXT, data }));
      send(response);
    },
  });
  const port = await freeLoopbackPort();
  await server.listen({ udp: { port, address: '127.0.0.1' } });
  return { address: `127.0.0.1:${port}`, zone, stop: () => server.close() };
}
