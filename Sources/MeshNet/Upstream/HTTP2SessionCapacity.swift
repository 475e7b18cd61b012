import NIOCore

/// How many streams one HTTP/2 session to an upstream may still carry, and when it is done: the
/// server's SETTINGS_MAX_CONCURRENT_STREAMS, the cluster's `maxRequestsPerConnection` (streams
/// per session, after which the session drains), GOAWAY (no new streams; in-flight ones finish)
/// and the idle clock. A value without I/O, so every rule is tested on its own.
struct HTTP2SessionCapacity {
    enum Phase: Equatable {
        /// TCP (and TLS) connecting, or waiting for the server's first SETTINGS.
        case connecting
        /// Takes new streams while below the limits.
        case ready
        /// Takes no new streams; closes once the last open one ends.
        case draining
        case closed
    }

    /// What the session must do after a change.
    enum Action: Equatable {
        case none
        /// Close the connection (nothing is in flight and nothing more may start).
        case close
    }

    /// Streams queued on a session before its server says how many it takes: RFC 9113 §6.5.2
    /// recommends servers allow at least 100.
    static let assumedConcurrentStreams = 100

    private(set) var phase = Phase.connecting
    /// The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says otherwise), capped
    /// by `localLimit`.
    private(set) var maxConcurrentStreams: Int
    /// `maxRequestsPerConnection`: streams this session may ever carry; nil for no limit.
    let maxStreams: Int?
    /// The cluster's own `maxConcurrentStreams`; nil for none.
    let localLimit: Int?
    /// Streams open (or being opened) now.
    private(set) var active = 0
    /// Streams ever opened on this session.
    private(set) var started = 0
    /// Since when no stream has been open.
    private(set) var idleSince: NIODeadline

    init(maxStreams: Int?, localLimit: Int? = nil, now: NIODeadline) {
        self.maxStreams = maxStreams.flatMap { $0 > 0 ? $0 : nil }
        self.localLimit = localLimit.flatMap { $0 > 0 ? $0 : nil }
        self.maxConcurrentStreams = self.localLimit ?? Int(Int32.max)
        self.idleSince = now
    }

    /// Whether a new stream may open now.
    var canOpenStream: Bool {
        phase == .ready && active < maxConcurrentStreams && !exhausted
    }

    /// How many requests may wait for this session while it connects.
    var queueCapacity: Int {
        guard phase == .connecting else { return 0 }
        return min(maxStreams ?? Int.max, localLimit ?? Int.max, Self.assumedConcurrentStreams)
    }

    /// Every stream `maxRequestsPerConnection` allows has been opened.
    private var exhausted: Bool {
        maxStreams.map { started >= $0 } ?? false
    }

    /// The server's SETTINGS: the first makes the session ready.
    mutating func receivedSettings(maxConcurrentStreams: Int?) {
        if let maxConcurrentStreams { self.maxConcurrentStreams = min(maxConcurrentStreams, localLimit ?? Int.max) }
        if phase == .connecting { phase = .ready }
    }

    /// A stream opens; call only when `canOpenStream`. Reaching `maxStreams` starts the drain.
    mutating func streamOpened() {
        active += 1
        started += 1
        if exhausted, phase == .ready { phase = .draining }
    }

    /// A stream ended (completed, reset or never created).
    mutating func streamClosed(now: NIODeadline) -> Action {
        active = max(0, active - 1)
        guard active == 0 else { return .none }
        idleSince = now
        return phase == .draining ? finish() : .none
    }

    /// GOAWAY from the server, or a snapshot that no longer wants the session: no new streams.
    mutating func drain() -> Action {
        switch phase {
        case .connecting, .ready:
            phase = .draining
            return active == 0 ? finish() : .none
        case .draining, .closed:
            return .none
        }
    }

    /// Whether an unused session has outlived `timeout` (the cluster's upstream idle timeout).
    func idleExpired(now: NIODeadline, timeout: TimeAmount) -> Bool {
        (phase == .ready || phase == .draining) && active == 0 && now - idleSince >= timeout
    }

    /// The connection is gone (closed by either side, or it never came up).
    mutating func closed() {
        phase = .closed
    }

    private mutating func finish() -> Action {
        phase = .closed
        return .close
    }
}
