#!/usr/bin/python3
"""A WebSocket server (python3-websockets) that tells each client its source address.

    /usr/bin/python3 tests/e2e/tls/source_ip_server.py
prints `listening on ws://127.0.0.1:PORT`, sends every client its remote IP as the first
message, then echoes; on SIGTERM prints {"ips": {"127.0.0.5": 3, ...}} and exits.
"""
import asyncio
import json
import signal

import websockets

ips = {}


async def handler(websocket, path=None):
    ip = websocket.remote_address[0]
    ips[ip] = ips.get(ip, 0) + 1
    await websocket.send(ip)
    async for message in websocket:
        await websocket.send(message)


async def main():
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        print(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
        await stop
    print(json.dumps({"ips": ips}), flush=True)


asyncio.run(main())
