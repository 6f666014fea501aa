// Preloaded into the peer gateway (node --import) so it listens on 127.0.0.1 only: it has no option of its own to
// choose the address, and the benchmark keeps every socket on loopback.
import net from 'node:net'

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const portOnly = typeof args[0] === 'number' && (args.length === 1 || args[1] == null || typeof args[1] === 'function')
  if (!portOnly) return listen.apply(this, args)
  const callback = args.find((arg) => typeof arg === 'function')
  return callback === undefined ? listen.call(this, args[0], '127.0.0.1') : listen.call(this, args[0], '127.0.0.1', callback)
}
