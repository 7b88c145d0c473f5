#!/usr/bin/python3
"""A loopback TCP proxy that counts the bytes going each way, for tests/e2e/wire_bytes_e2e_test.

    /usr/bin/python3 tests/e2e/peers/byte_proxy.py --target PORT [--port 0]

prints `listening on ws://127.0.0.1:PORT`, forwards every accepted connection to
127.0.0.1:TARGET (half-closes passed on), and on SIGTERM, once its connections have ended (at
most 5 s), prints one JSON line: {"connections": [{"up": N, "down": M}, ...]} in accept order,
where `up` is every byte read from the client (all forwarded to the target) and `down` every
byte read from the target (all forwarded to the client).
"""
import argparse
import asyncio
import json
import signal
import sys


async def pump(reader, writer, record, key):
    """Copies reader to writer until EOF, counting into record[key], then passes the EOF on."""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            record[key] += len(data)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


class Proxy:
    def __init__(self, target):
        self.target = target
        self.connections = []
        self.tasks = []

    async def handle(self, client_reader, client_writer):
        record = {"up": 0, "down": 0}
        self.connections.append(record)
        self.tasks.append(asyncio.current_task())
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, record, "up"),
                             pump(server_reader, client_writer, record, "down"))
        for writer in (client_writer, server_writer):
            writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--target", type=int, required=True)
    args = parser.parse_args()
    proxy = Proxy(args.target)
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            signum, lambda: stop.done() or stop.set_result(None))
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}", flush=True)
    await stop
    server.close()
    if proxy.tasks:
        await asyncio.wait(proxy.tasks, timeout=5)
    print(json.dumps({"connections": proxy.connections}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
