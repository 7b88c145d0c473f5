#!/usr/bin/python3
"""A recording WebSocket peer for the end-to-end step tests (python3-websockets 10.4).

It shows what the reference servers cannot: the upgrade request's headers, the subprotocols
a client offered, the pings it sent, and the code and reason of the close it sent. Usage:

    /usr/bin/python3 tests/e2e/peers/recorder.py --port 0 [--subprotocol chat.v2 ...]

prints `listening on ws://127.0.0.1:PORT`, serves until SIGTERM or SIGINT, then prints one
JSON line: {"connections": [{"path", "headers", "offered", "protocol", "messages",
"pings", "close_code", "close_reason"}, ...]} in the order the connections opened. Headers
are keyed in lower case; a text message is {"text": ...}, a binary one {"binary": HEX}.

Paths:
    /silent...        never answers; records only
    /close-after/<n>  echoes n messages, then closes with 4001 "server done"
    anything else     echoes every message as it came (text or binary)
"""
import argparse
import asyncio
import json
import signal
import sys

import websockets
import websockets.legacy.server


class CountingProtocol(websockets.legacy.server.WebSocketServerProtocol):
    """Counts the pings a client sent: websockets answers each with one pong() call."""

    async def pong(self, data=b""):
        record = getattr(self, "record", None)
        if record is not None:
            record["pings"] += 1
        await super().pong(data)


class Recorder:
    def __init__(self):
        self.connections = []

    async def handler(self, ws):
        offered = []
        for value in ws.request_headers.get_all("Sec-WebSocket-Protocol"):
            offered += [p.strip() for p in value.split(",") if p.strip()]
        record = {
            "path": ws.path,
            "headers": {k.lower(): v for k, v in ws.request_headers.raw_items()},
            "offered": offered,
            "protocol": ws.subprotocol,
            "messages": [],
            "pings": 0,
            "close_code": None,
            "close_reason": None,
        }
        ws.record = record
        self.connections.append(record)
        echo = not ws.path.startswith("/silent")
        close_after = None
        if ws.path.startswith("/close-after/"):
            close_after = int(ws.path.split("/")[2])
        try:
            if close_after == 0:
                await ws.close(4001, "server done")
            while True:
                # recv() hands out messages that arrived before a close; send() would fail
                # once the client's close is in, so an echo failing must not stop the reading.
                message = await ws.recv()
                if isinstance(message, str):
                    record["messages"].append({"text": message})
                else:
                    record["messages"].append({"binary": message.hex()})
                if echo:
                    try:
                        await ws.send(message)
                    except websockets.ConnectionClosed:
                        pass
                if close_after is not None and len(record["messages"]) >= close_after:
                    await ws.close(4001, "server done")
        except websockets.ConnectionClosed:
            pass
        finally:
            await ws.wait_closed()
            record["close_code"] = ws.close_code
            record["close_reason"] = ws.close_reason


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--subprotocol", action="append", default=[],
                        help="a subprotocol the server supports (repeatable)")
    args = parser.parse_args()
    recorder = Recorder()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            signum, lambda: stop.done() or stop.set_result(None))
    server = await websockets.serve(
        recorder.handler, "127.0.0.1", args.port, ping_interval=None,
        subprotocols=args.subprotocol or None,
        create_protocol=CountingProtocol)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}", flush=True)
    await stop
    server.close()
    await server.wait_closed()
    print(json.dumps({"connections": recorder.connections}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
