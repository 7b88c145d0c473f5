// The official graphql-ws server (graphql-transport-ws) with graphql on node ws, for the
// graphql-ws end-to-end tests. Prints `listening on ws://127.0.0.1:PORT`; on SIGTERM prints one
// JSON line of what it saw and exits.
//   node graphql_ws_server.js [--token T]
// A connection_init whose payload.token is not T is refused (close 4403 Forbidden).
// Schema: subscription { ticks(n: Int!, everyMs: Int!): Int } emits 1..n, one every everyMs
// milliseconds, then completes; subscription { failAfter(n: Int!): Int } emits 1..n then
// fails (an `error` message after n nexts); query { hello: String }.
'use strict';
const path = require('path');
const modules = path.join(__dirname, 'node', 'node_modules');
const { WebSocketServer } = require(path.join(modules, 'ws'));
const { useServer } = require(path.join(modules, 'graphql-ws', 'dist', 'use', 'ws.cjs'));
const graphql = require(path.join(modules, 'graphql'));

const args = process.argv.slice(2);
const token = args.includes('--token') ? args[args.indexOf('--token') + 1] : 'secret';

const seen = {
  connections: 0,  // WebSocket connections
  acked: 0,        // connection_init accepted (connection_ack sent)
  refused: 0,      // connection_init refused (4403)
  received: {},    // client messages by type: connection_init, subscribe, complete, ping...
  sent: {},        // server messages by type: connection_ack, next, error, complete, pong
  subscribers: {},  // subscribe operations, by operationName ("anonymous" without one)
};

function countType(into, data) {
  let type = 'invalid';
  try {
    type = String(JSON.parse(data.toString()).type);
  } catch (e) {}
  into[type] = (into[type] || 0) + 1;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const { GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } = graphql;
const intArg = { type: new GraphQLNonNull(GraphQLInt) };

async function* ticks(n, everyMs) {
  for (let i = 1; i <= n; ++i) {
    await sleep(everyMs);
    yield { ticks: i, failAfter: i };
  }
}

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { hello: { type: GraphQLString, resolve: () => 'world' } },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      ticks: {
        type: GraphQLInt,
        args: { n: intArg, everyMs: intArg },
        subscribe: (_, { n, everyMs }) => ticks(Math.min(n, 100000), everyMs),
      },
      failAfter: {
        type: GraphQLInt,
        args: { n: intArg },
        subscribe: async function* (_, { n }) {
          yield* ticks(n, 1);
          throw new Error('failAfter: the stream broke');
        },
      },
    },
  }),
});

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (socket) => {
  seen.connections++;
  socket.on('message', (data) => countType(seen.received, data));
  // useServer sends through socket.send at each message: counted here, as the wire saw it.
  const send = socket.send.bind(socket);
  socket.send = (data, ...rest) => {
    countType(seen.sent, data);
    return send(data, ...rest);
  };
});
useServer(
  {
    schema,
    onConnect: (ctx) => {
      const params = ctx.connectionParams || {};
      if (params.token !== token) {
        seen.refused++;
        return false;
      }
      seen.acked++;
      return true;
    },
    onSubscribe: (ctx, id, payload) => {
      const name = payload.operationName || 'anonymous';
      seen.subscribers[name] = (seen.subscribers[name] || 0) + 1;
    },
  },
  wss,
);

wss.on('listening', () => {
  console.log(`listening on ws://127.0.0.1:${wss.address().port}`);
});
process.on('SIGTERM', () => {
  console.log(JSON.stringify(seen));
  process.exit(0);
});
