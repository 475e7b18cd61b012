import Logging
import MeshModel
import NIOCore

/// A connection the capture rules redirected to an original-destination listener (the node
/// proxy's `virtualOutbound`): handed to the listener whose address and port are its original
/// destination, a service VIP's, and served by that listener's pipeline (HTTP through the routes,
/// a TCP relay, TLS by SNI) as if it had been accepted there.
enum CapturedConnection {
    /// Reads the original destination and hands the connection over; closes it (and counts it
    /// as unmatched) when no listener has that address or it was not redirected at all.
    static func handOff(_ channel: any Channel, state: LoopState, states: LoopStates) -> EventLoopFuture<Void> {
        OriginalDestination.of(channel).assumeIsolated().map { destination in
            guard let target = state.config.capturedListeners[destination].flatMap({ state.config.listeners[$0] }) else {
                refuse(channel, state: state, destination: destination)
                return
            }
            state.captures.routed(listener: target.name)
            do {
                try DataPlane.serve(channel, on: target, state: state, states: states)
            } catch {
                state.logger.debug(
                    "Captured connection could not be set up",
                    metadata: ["listener.name": "\(target.name)", "error.message": "\(error)"])
                channel.close(promise: nil)
            }
        }.recover { _ in
            // No NAT entry: someone dialled the proxy's port directly.
            refuse(channel, state: state, destination: nil)
        }.nonisolated()
    }

    /// `destination` is formatted only when debug logging is on (port scans land here too).
    private static func refuse(_ channel: any Channel, state: LoopState, destination: OriginalDestination?) {
        state.captures.unmatched()
        state.logger.debug(
            "Captured connection closed: no listener for its original destination",
            metadata: ["destination.address": "\(destination.map { "\($0)" } ?? "-")"])
        channel.close(promise: nil)
    }
}
