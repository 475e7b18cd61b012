/// Durations as users write them: Istio/protobuf style (`1.5s`, `100ms`, `2m`, `1h30m`, `250us`).
public enum DurationText {
    /// Parses a duration. Returns nil for anything that is not a non-negative duration with units.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var rest = Substring(text.trimmingCharactersInWhitespace())
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let numberEnd = rest.firstIndex { !($0.isNumber || $0 == ".") } ?? rest.endIndex
            let numberText = rest[rest.startIndex..<numberEnd]
            guard !numberText.isEmpty, let number = Double(numberText) else { return nil }
            rest = rest[numberEnd...]
            let unitEnd = rest.firstIndex { $0.isNumber || $0 == "." } ?? rest.endIndex
            let unitText = String(rest[rest.startIndex..<unitEnd])
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            total += number * unit.1
            rest = rest[unitEnd...]
        }
        guard total.isFinite, total >= 0 else { return nil }
        let seconds = Int64(total.rounded(.down))
        let attos = Int64(((total - Double(seconds)) * 1e18).rounded())
        return Duration(secondsComponent: seconds, attosecondsComponent: attos)
    }

    /// Formats a duration the way `parse` reads it (`1.5s`, `250ms`, `2h`).
    public static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds >= 1 || seconds == 0 { return trim(seconds) + "s" }
        if seconds >= 1e-3 { return trim(seconds * 1e3) + "ms" }
        return trim(seconds * 1e6) + "us"
    }

    private static func trim(_ value: Double) -> String {
        if value == value.rounded() { return String(Int64(value)) }
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
