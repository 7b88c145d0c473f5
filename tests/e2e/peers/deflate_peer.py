#!/usr/bin/python3
"""A permessage-deflate echo peer on python3-websockets (10.4), for tests/e2e/deflate_e2e_test.

    /usr/bin/python3 tests/e2e/peers/deflate_peer.py --port 0 [--no-deflate]

prints `listening on ws://127.0.0.1:PORT`, echoes every message, and on SIGTERM prints one
JSON line: {"connections": [{"offered", "accepted", "messages"}, ...]}: the client's
Sec-WebSocket-Extensions, the server's answer (empty when refused) and the messages as
received, inflated ({"text": ...} or {"binary": HEX}). With deflate (websockets' default
settings: server_max_window_bits=12, client_max_window_bits answered when offered); with
--no-deflate the offer is refused.
"""
import argparse
import asyncio
import json
import signal
import sys

import websockets


class Recorder:
    def __init__(self):
        self.connections = []

    async def handler(self, ws):
        record = {
            "offered": ws.request_headers.get("Sec-WebSocket-Extensions", ""),
            "accepted": ws.response_headers.get("Sec-WebSocket-Extensions", ""),
            "messages": [],
        }
        self.connections.append(record)
        try:
            async for message in ws:
                if isinstance(message, str):
                    record["messages"].append({"text": message})
                else:
                    record["messages"].append({"binary": message.hex()})
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-deflate", action="store_true")
    args = parser.parse_args()
    recorder = Recorder()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            signum, lambda: stop.done() or stop.set_result(None))
    server = await websockets.serve(
        recorder.handler, "127.0.0.1", args.port, ping_interval=None,
        compression=None if args.no_deflate else "deflate", max_size=None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}", flush=True)
    await stop
    server.close()
    await server.wait_closed()
    print(json.dumps({"connections": recorder.connections}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
