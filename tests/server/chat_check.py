"""Drives a crocochat server through the whole protocol; prints the transcripts as JSON.

Two sockets in room r1 (a, b), one in r2 (c). Every step is followed by draining all three,
so each transcript has a deterministic order. The C++ test holds the expectations.
"""
import json

import websockets

from wsclient import drain, drain_all, handshake_status, run, url


def event(**fields):
    return json.dumps(fields)


async def main():
    a = await websockets.connect(url("/ws/crocochat/r1/"), ping_interval=None)
    b = await websockets.connect(url("/ws/crocochat/r1/"), ping_interval=None)
    c = await websockets.connect(url("/ws/crocochat/r2"), ping_interval=None)
    sockets = [a, b, c]
    got = [[], [], []]
    steps = [
        (a, event(event="SET_NAME", new_name="A")),
        (b, event(event="SAY", message="too early")),
        (b, event(event="SET_NAME", new_name="B")),
        (a, event(event="SAY", message="hello")),
        (c, event(event="SET_NAME", new_name="C")),
        (c, event(event="SAY", message="other room")),
        (b, "not json"),
        (b, event(event="DANCE")),
    ]
    for ws, text in steps:
        await ws.send(text)
        await drain_all(sockets, got)
    await b.send(event(event="LEAVE"))
    got[1].extend(await drain(b))
    await b.wait_closed()
    got[0].extend(await drain(a))
    await a.close()
    await c.close()
    return {"a": got[0], "b": got[1], "c": got[2], "b_close_code": b.close_code,
            "b_close_reason": b.close_reason, "wrong_path": await handshake_status("/nope")}


run(main())
