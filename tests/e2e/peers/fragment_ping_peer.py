#!/usr/bin/python3
"""A python3-websockets echo peer that also fragments and pings, for wire_bytes_e2e_test.

    /usr/bin/python3 tests/e2e/peers/fragment_ping_peer.py [--port 0]

prints `listening on ws://127.0.0.1:PORT`. On each connection it pings (payload "are you
there"), sends the text "fragmented hello world" in three fragments and the bytes 00..0f in
two, then echoes every message. permessage-deflate is accepted when offered (websockets'
default settings). On SIGTERM it prints one JSON line: {"connections": [{"pongs": N,
"messages": M}, ...]}: the pongs answering its ping and the messages it received.
"""
import argparse
import asyncio
import json
import signal
import sys

import websockets


class Peer:
    def __init__(self):
        self.connections = []

    async def handler(self, ws):
        record = {"pongs": 0, "messages": 0}
        self.connections.append(record)
        try:
            pong = await ws.ping(b"are you there")
            await ws.send(["fragmented ", "hello ", "world"])
            await ws.send([bytes(range(8)), bytes(range(8, 16))])
            await asyncio.wait_for(pong, timeout=5)
            record["pongs"] += 1
            async for message in ws:
                record["messages"] += 1
                await ws.send(message)
        except (websockets.ConnectionClosed, asyncio.TimeoutError):
            pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    peer = Peer()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            signum, lambda: stop.done() or stop.set_result(None))
    server = await websockets.serve(peer.handler, "127.0.0.1", args.port, ping_interval=None,
                                    max_size=None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}", flush=True)
    await stop
    server.close()
    await server.wait_closed()
    print(json.dumps({"connections": peer.connections}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
