"""Helpers for the server tests' Python clients (python3-websockets 10.4, asyncio).

A test script gets the server's port as argv[1], talks to it and prints one JSON document
that the C++ test then checks.
"""
import asyncio
import json
import sys

import websockets


def url(path):
    return f"ws://127.0.0.1:{int(sys.argv[1])}{path}"


def decode(message):
    """JSON text as an object, other text as a string, binary as {"binary": HEX}."""
    if isinstance(message, bytes):
        return {"binary": message.hex()}
    try:
        return json.loads(message)
    except ValueError:
        return message


async def drain(ws, quiet=0.3, limit=5.0):
    """Receives until nothing arrives for `quiet` seconds, the socket closes or `limit` ends."""
    out = []
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while loop.time() < end:
        try:
            out.append(decode(await asyncio.wait_for(ws.recv(), quiet)))
        except (asyncio.TimeoutError, websockets.ConnectionClosed):
            break
    return out


async def drain_all(sockets, transcripts):
    """Drains every socket at once, appending to transcripts[i]."""
    results = await asyncio.gather(*(drain(ws) for ws in sockets))
    for transcript, received in zip(transcripts, results):
        transcript.extend(received)


async def handshake_status(path):
    """The HTTP status of an upgrade that the server refuses, or 101."""
    try:
        ws = await websockets.connect(url(path), open_timeout=5)
        await ws.close()
        return 101
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code


def run(coroutine):
    print(json.dumps(asyncio.run(asyncio.wait_for(coroutine, 30))), flush=True)
