"""Probes one chaos-server path the way a client would and prints what it saw as JSON.

Usage: chaos_probe.py PORT CASE [PATH]. The C++ test (chaos_server_test.cpp) holds the
expectations; this script only observes.
"""
import asyncio
import sys
import time

import websockets

from wsclient import handshake_status, run, url


def closed(ws, how):
    """How the connection ended: the code and reason received (1006 when no close frame came)
    and the code this client sent, if it failed the connection itself."""
    return {"how": how[0], "code": ws.close_code, "reason": ws.close_reason, "sent": how[1]}


async def recv_all(ws, timeout=5):
    """Receives until the connection ends; returns (messages, (how it ended, code sent))."""
    got = []
    try:
        while True:
            got.append(await asyncio.wait_for(ws.recv(), timeout))
    except websockets.ConnectionClosed as e:
        return got, ("closed", e.sent.code if e.sent else None)
    except asyncio.TimeoutError:
        return got, ("timeout", None)


async def status(path):
    return {"status": await handshake_status(path)}


async def slow(path):
    start = time.monotonic()
    async with websockets.connect(url(path), open_timeout=10) as ws:
        waited = time.monotonic() - start
        await ws.send("after the wait")
        return {"waited": waited, "echo": await ws.recv()}


async def silent(path):
    start = time.monotonic()
    try:
        async with websockets.connect(url(path), open_timeout=1):
            return {"opened": True}
    except asyncio.TimeoutError:
        return {"opened": False, "waited": time.monotonic() - start}


async def close(path):
    async with websockets.connect(url(path)) as ws:
        got, how = await recv_all(ws)
        return dict(closed(ws, how), messages=len(got))


async def drop(path):
    async with websockets.connect(url(path)) as ws:
        for i in range(3):
            try:
                await ws.send(f"m{i}")
            except websockets.ConnectionClosed:
                break
        got, how = await recv_all(ws)
        return dict(closed(ws, how), messages=got)


async def invalid(path):
    async with websockets.connect(url(path)) as ws:
        got, how = await recv_all(ws)
        return dict(closed(ws, how), messages=len(got))


async def flood(path):
    async with websockets.connect(url(path), max_queue=None) as ws:
        await asyncio.sleep(0.5)  # let the server run ahead of us
        got = []
        while len(got) < int(path.split("/")[2]):
            got.append(await asyncio.wait_for(ws.recv(), 5))
        return {"count": len(got), "distinct": len(set(m.split(" ")[1].rstrip("x") for m in got)),
                "sizes": sorted(set(len(m) for m in got))}


async def no_read(path):
    ws = await websockets.connect(url(path), write_limit=2 ** 16)
    chunk = "y" * 65536
    result = {"blocked": False, "sent": 2000}
    for sent in range(2000):  # 128 MiB at most; the kernel buffers far less
        try:
            await asyncio.wait_for(ws.send(chunk), 1)
        except asyncio.TimeoutError:
            result = {"blocked": True, "sent": sent}
            break
    ws.transport.abort()  # a close handshake would wait on the server that does not read
    return result


async def ping(path):
    async with websockets.connect(url(path), ping_interval=None) as ws:
        await ws.send("still echoing")
        echo = await ws.recv()
        await asyncio.sleep(0.6)
        return {"echo": echo}


async def refused(_path):
    try:
        async with websockets.connect(url("/"), open_timeout=5):
            return {"refused": False}
    except ConnectionRefusedError:
        return {"refused": True}


async def echo(path):
    async with websockets.connect(url(path)) as ws:
        out = []
        for message in ["text", b"\x00\xffbinary", "z" * 70000]:
            await ws.send(message)
            out.append(await ws.recv() == message)
        return {"same": out}


CASES = {"status": status, "slow": slow, "silent": silent, "close": close, "drop": drop,
         "invalid": invalid, "flood": flood, "no_read": no_read, "ping": ping,
         "refused": refused, "echo": echo}

run(CASES[sys.argv[2]](sys.argv[3] if len(sys.argv) > 3 else "/"))
