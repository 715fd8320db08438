import { describe, expect, it, onTestFinished } from 'vitest';
import { RawConnection } from '../helpers/raw-http.ts';
import { openConnections, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

async function statusOfFirstRequest(connection: RawConnection): Promise<number> {
  connection.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n\r\n');
  return (await connection.response()).status;
}

describe('MAX_CONNECTIONS_PER_IP as connections come and go', () => {
  it('still holds after slots were freed: exactly as many connections as were freed fit again, the next is refused', async () => {
    const server = await startServerForTest({ maxConnectionsPerIp: 3 });
    const open = async (): Promise<RawConnection> => {
      const connection = await RawConnection.open(server.url);
      onTestFinished(() => connection.destroy());
      return connection;
    };
    const held = [await open(), await open(), await open()];
    await waitFor('three connections', async () => (await openConnections(server)) === 3);
    held[0]!.destroy();
    held[1]!.destroy();
    await waitFor('two freed slots', async () => (await openConnections(server)) === 1);

    const again = [await open(), await open()];
    const over = await open();
    expect(await statusOfFirstRequest(again[0]!)).toBe(200);
    expect(await statusOfFirstRequest(again[1]!)).toBe(200);
    expect(await statusOfFirstRequest(over)).toBe(429);
    expect(await statusOfFirstRequest(held[2]!)).toBe(200);
  });
});
