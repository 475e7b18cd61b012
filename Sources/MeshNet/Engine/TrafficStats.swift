import MeshAPI
import NIOCore

/// One event loop's last minute of finished requests, in total and per destination service,
/// for the console's live view: one-second buckets in a ring, each with counts, bytes and a
/// latency histogram.
///
/// Only touched on its loop, so recording takes no lock; the rings are allocated when a service
/// is first seen, so a request in steady state allocates nothing (a clock read, a dictionary
/// lookup and a few increments). `DataPlane.trafficStats()` cuts every loop's window at the
/// same second and merges them.
final class TrafficStats {
    /// Seconds each ring keeps.
    static let windowSeconds = 60
    /// Services tracked per loop; requests to more count in the total only.
    static let maxServices = 512

    private let total = TrafficRing(seconds: TrafficStats.windowSeconds)
    private var services: [String: TrafficRing] = [:]
    /// The ring the previous request went to: most requests repeat it, and comparing the name
    /// (the same string storage, from the snapshot) is cheaper than hashing it.
    private var lastService: (name: String, ring: TrafficRing)?

    /// Counts one finished request in the second `now` falls in.
    func record(
        service: String?,
        status: Int,
        duration: TimeAmount,
        requestBytes: Int,
        responseBytes: Int,
        at now: NIODeadline = .now()
    ) {
        let second = Self.second(of: now)
        let bucket = LatencyHistogram.bucket(microseconds: Int(duration.nanoseconds / 1000))
        let isServerError = status >= 500 && status < 600
        total.record(
            second: second,
            bucket: bucket,
            isServerError: isServerError,
            requestBytes: requestBytes,
            responseBytes: responseBytes
        )
        guard let service else { return }
        let ring: TrafficRing
        if let last = lastService, last.name == service {
            ring = last.ring  // the common case: the same service as the request before
        } else if let known = services[service] {
            ring = known
            lastService = (service, known)
        } else {
            guard services.count < Self.maxServices else { return }
            ring = TrafficRing(seconds: Self.windowSeconds)
            services[service] = ring
            lastService = (service, ring)
        }
        ring.record(
            second: second,
            bucket: bucket,
            isServerError: isServerError,
            requestBytes: requestBytes,
            responseBytes: responseBytes
        )
    }

    /// The complete seconds before `second`, `windowSeconds` of them, in total and per service.
    /// Services without a request in them (nor in `second` itself) are left out, and forgotten.
    func seconds(before second: Int64) -> (total: [TrafficSecond], services: [String: [TrafficSecond]]) {
        var result: [String: [TrafficSecond]] = [:]
        for (service, ring) in services {
            if ring.isIdle(before: second) {
                services[service] = nil
                if lastService?.name == service { lastService = nil }
            } else {
                result[service] = ring.seconds(before: second)
            }
        }
        return (total.seconds(before: second), result)
    }

    /// Seconds of the monotonic clock every loop shares.
    static func second(of deadline: NIODeadline) -> Int64 {
        Int64(deadline.uptimeNanoseconds / 1_000_000_000)
    }
}

/// A ring of one-second buckets: slot `second % seconds` holds that second until it is reused.
///
/// The buckets live in buffers allocated once: stored `var` arrays of a class would cost a
/// dynamic exclusivity check on every access, a third of the time of a record.
final class TrafficRing {
    private struct Slot {
        var second: Int64 = -1
        var requests: Int = 0
        var serverErrors: Int = 0
        var requestBytes: Int = 0
        var responseBytes: Int = 0
    }

    private let slots: UnsafeMutableBufferPointer<Slot>
    /// `slots.count` histograms of `LatencyHistogram.bucketCount` counts, one after the other.
    private let latency: UnsafeMutableBufferPointer<UInt32>

    init(seconds: Int) {
        slots = .allocate(capacity: seconds)
        slots.initialize(repeating: Slot())
        latency = .allocate(capacity: seconds * LatencyHistogram.bucketCount)
        latency.initialize(repeating: 0)
    }

    deinit {
        slots.deallocate()
        latency.deallocate()
    }

    func record(second: Int64, bucket: Int, isServerError: Bool, requestBytes: Int, responseBytes: Int) {
        let index = Int(second % Int64(slots.count))
        let histogram = UnsafeMutableBufferPointer(
            rebasing: latency[index * LatencyHistogram.bucketCount..<(index + 1) * LatencyHistogram.bucketCount]
        )
        if slots[index].second != second {
            // The slot last held a second that has left the window (or never held one).
            slots[index] = Slot(second: second)
            histogram.update(repeating: 0)
        }
        slots[index].requests &+= 1
        if isServerError { slots[index].serverErrors &+= 1 }
        slots[index].requestBytes &+= requestBytes
        slots[index].responseBytes &+= responseBytes
        histogram[bucket] &+= 1
    }

    /// The `slots.count` seconds before `second`, oldest first; seconds without a request are empty.
    func seconds(before second: Int64) -> [TrafficSecond] {
        let count = Int64(slots.count)
        var result: [TrafficSecond] = []
        result.reserveCapacity(slots.count)
        for wanted in (second - count)..<second {
            guard wanted >= 0 else {
                result.append(TrafficSecond())
                continue
            }
            let index = Int(wanted % count)
            let slot = slots[index]
            guard slot.second == wanted, slot.requests > 0 else {
                result.append(TrafficSecond())
                continue
            }
            let histogram = latency[index * LatencyHistogram.bucketCount..<(index + 1) * LatencyHistogram.bucketCount]
            result.append(
                TrafficSecond(
                    requests: slot.requests,
                    serverErrors: slot.serverErrors,
                    requestBytes: slot.requestBytes,
                    responseBytes: slot.responseBytes,
                    latency: LatencyHistogram(offset: 0, counts: histogram)
                )
            )
        }
        return result
    }

    /// Whether no request in the window before `second` (nor in `second` itself) was counted.
    func isIdle(before second: Int64) -> Bool {
        !slots.contains { $0.second >= second - Int64(slots.count) && $0.requests > 0 }
    }
}
