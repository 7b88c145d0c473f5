// The official socket.io server (npm socket.io 4, Engine.IO v4 / Socket.IO v5) for the e2e
// tests, websocket transport only, on 127.0.0.1 with a free port. Prints
// `listening on ws://127.0.0.1:PORT`, serves until SIGTERM or SIGINT, then prints one JSON
// line with what it saw, so tests compare exact counts.
//   /      : `echo` acks its arguments back; `message` (a client's send) is counted
//            and emitted back as `received`.
//   /chat  : refuses a handshake without auth {token: "secret"} (middleware: CONNECT_ERROR);
//            on connect emits `welcome` with a binary attachment and asks for an ack of
//            `question`; `join` (room) joins and acks; `chat` ({text}) is broadcast to the room
//            as `chat` (message, sender's sid) after its ack {ok: true, n: count so far}; after
//            each join the room hears `members` (how many it has).
"use strict";
const http = require("http");
const path = require("path");
const { Server } = require(path.join(__dirname, "node", "node_modules", "socket.io"));

// Heart-beat timings (ms), shortened by a test that checks pings are answered.
const pingInterval = Number(process.env.SIO_PING_INTERVAL || 25000);
const pingTimeout = Number(process.env.SIO_PING_TIMEOUT || 20000);
const counts = {
  connections: { "/": 0, "/chat": 0 },
  refused: 0,
  events: {},           // event name -> how many the server received (both namespaces)
  acks_sent: 0,         // acks the server sent for the client's emits
  broadcasts: 0,        // `chat` events delivered to sockets (one per member of the room)
  client_acks: 0,       // the client's answers to `question`
  disconnects: 0,
  pongs: 0,             // the clients' answers to the server's pings
  attachments_sent: 0,  // binary attachments of the events the server emitted
};

const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ["websocket"], pingInterval, pingTimeout });

function count(name) {
  counts.events[name] = (counts.events[name] || 0) + 1;
}

io.engine.on("connection", (conn) => {
  conn.on("packet", (packet) => {
    if (packet.type === "pong") counts.pongs++;
  });
});

io.of("/").on("connection", (socket) => {
  counts.connections["/"]++;
  socket.on("echo", (...args) => {
    count("echo");
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) {
      counts.acks_sent++;
      ack(...args);
    }
  });
  socket.on("message", (...args) => {
    count("message");
    socket.emit("received", ...args);
  });
  socket.on("disconnect", () => counts.disconnects++);
});

const chat = io.of("/chat");
chat.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "secret") return next();
  counts.refused++;
  next(new Error("not authorized"));
});
chat.on("connection", (socket) => {
  counts.connections["/chat"]++;
  socket.emit("welcome", { sid: socket.id }, Buffer.from([1, 2, 3]));
  counts.attachments_sent++;
  socket.emit("question", "ready?", () => counts.client_acks++);
  socket.on("join", (room, ack) => {
    count("join");
    socket.join(String(room));
    socket.data.room = String(room);
    if (typeof ack === "function") {
      counts.acks_sent++;
      ack({ joined: String(room) });
    }
    // Everyone in the room hears how many are in it: clients wait for a full room.
    chat.to(String(room)).emit("members", chat.adapter.rooms.get(String(room)).size);
  });
  socket.on("chat", (message, ack) => {
    count("chat");
    // The ack first, then the broadcast: the sender has its ack before its own hello.
    if (typeof ack === "function") {
      counts.acks_sent++;
      ack({ ok: true, n: counts.events.chat });
    }
    const room = socket.data.room;
    if (room) {
      counts.broadcasts += chat.adapter.rooms.get(room).size;
      chat.to(room).emit("chat", message, socket.id);
    }
  });
  socket.on("disconnect", () => counts.disconnects++);
});

function stop() {
  io.close();
  process.stdout.write(JSON.stringify(counts) + "\n", () => process.exit(0));
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

httpServer.listen(0, "127.0.0.1", () => {
  console.log(`listening on ws://127.0.0.1:${httpServer.address().port}`);
});
