/// Durations as users write them: Istio/protobuf style (`1.5s`, `100ms`, `2m`, `1h30m`, `250us`).
public enum DurationText {
    /// The longest duration meshbox accepts anywhere a user writes one: 100 years (876600h).
    ///
    /// protobuf's `Duration` allows 10,000 years, but NIO's `TimeAmount` holds only about 292
    /// years of nanoseconds; 100 years keeps a duration, and the sum of two, within an `Int64` of
    /// nanoseconds, so no timer, deadline or TTL built from user text can overflow. Far longer than
    /// any timeout or certificate lifetime that makes sense.
    public static let maximum: Duration = .seconds(maximumSeconds)
    static let maximumSeconds: Int64 = 876_600 * 3600

    /// Why a text is not a duration.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Not a non-negative number with a unit.
        case malformed
        /// Longer than `DurationText.maximum`.
        case tooLong

        public var description: String {
            switch self {
            case .malformed: "expected a number with a unit such as 100ms, 1.5s, 2m or 1h"
            case .tooLong: "longer than the maximum \(DurationText.format(DurationText.maximum)) (100 years)"
            }
        }
    }

    /// Parses a duration. Nil for anything that is not a non-negative duration with units, or
    /// that is longer than `maximum`; `read` says which.
    public static func parse(_ text: String) -> Duration? {
        try? read(text).get()
    }

    /// Parses a duration, or says why the text is not one.
    public static func read(_ text: String) -> Result<Duration, Problem> {
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
        ]
        var rest = Substring(text.trimmingCharactersInWhitespace())
        guard !rest.isEmpty else { return .failure(.malformed) }
        var total = 0.0
        while !rest.isEmpty {
            let numberEnd = rest.firstIndex { !($0.isNumber || $0 == ".") } ?? rest.endIndex
            let numberText = rest[rest.startIndex..<numberEnd]
            guard !numberText.isEmpty, let number = Double(numberText) else { return .failure(.malformed) }
            rest = rest[numberEnd...]
            let unitEnd = rest.firstIndex { $0.isNumber || $0 == "." } ?? rest.endIndex
            let unitText = String(rest[rest.startIndex..<unitEnd])
            guard let unit = units.first(where: { $0.0 == unitText }) else { return .failure(.malformed) }
            total += number * unit.1
            rest = rest[unitEnd...]
        }
        guard !total.isNaN, total >= 0 else { return .failure(.malformed) }
        // Checked before any conversion: `Int64(_:)` of a Double out of range traps.
        guard total <= Double(maximumSeconds) else { return .failure(.tooLong) }
        let seconds = Int64(total.rounded(.down))
        let attos = Int64(((total - Double(seconds)) * 1e18).rounded())
        return .success(Duration(secondsComponent: seconds, attosecondsComponent: attos))
    }

    /// Formats a duration the way `parse` reads it (`1.5s`, `250ms`, `2h`).
    public static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return trim(seconds / 3600) + "h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return trim(seconds / 60) + "m" }
        if seconds >= 1 || seconds == 0 { return trim(seconds) + "s" }
        if seconds >= 1e-3 { return trim(seconds * 1e3) + "ms" }
        if seconds >= 1e-6 { return trim(seconds * 1e6) + "us" }
        // Below 0.001 a Double prints with an exponent (`1e-05`), which `parse` does not read;
        // less than a picosecond is nothing a timer can wait for.
        if seconds >= 1e-12 { return trim(seconds * 1e9) + "ns" }
        return "0s"
    }

    private static func trim(_ value: Double) -> String {
        if value == value.rounded(), let whole = Int64(exactly: value) { return String(whole) }
        return String(value)
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

extension String {
    func trimmingCharactersInWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
