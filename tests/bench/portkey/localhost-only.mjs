// Preloaded into the Portkey gateway (node --import): its start-server.js listens on every
// interface (@hono/node-server's serve() without a hostname) and has no option to change that.
// The bench's servers listen on 127.0.0.1 only, so a listen(port[, callback]) without a host
// gets 127.0.0.1. Nothing else is touched.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    if (typeof args[0] === 'number' && (args.length === 1 || args[1] === undefined || typeof args[1] === 'function'))
        args.splice(1, args[1] === undefined && args.length > 1 ? 1 : 0, '127.0.0.1');
    return listen.apply(this, args);
};
