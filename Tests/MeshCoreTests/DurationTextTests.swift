import MeshCore
import Testing

@Suite("DurationText")
struct DurationTextTests {
    @Test(
        "parses Istio durations",
        arguments: [
            ("1s", 1.0), ("1.5s", 1.5), ("100ms", 0.1), ("2m", 120), ("1h30m", 5400), ("250us", 0.00025), ("0s", 0),
        ]
    )
    func parses(text: String, seconds: Double) {
        let duration = DurationText.parse(text)
        #expect(duration != nil)
        #expect(abs((duration?.seconds ?? -1) - seconds) < 1e-9)
    }

    @Test("rejects malformed durations", arguments: ["", "5", "s", "5x", "-1s", "1.2.3s", "ms5"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
        #expect(DurationText.read(text) == .failure(.malformed))
    }

    // These trapped in `Int64(_:)` and took the whole process down (issue 22).
    @Test(
        "refuses durations longer than 100 years instead of trapping",
        arguments: [
            "99999999999999999999h", "99999999999999999999s", "9223372036854775808s", "876601h", "3155760000.5s",
            "1" + String(repeating: "0", count: 400) + "s", "36525d1s",
        ]
    )
    func refusesTooLong(text: String) {
        #expect(DurationText.parse(text) == nil)
        #expect(DurationText.read(text) == .failure(.tooLong))
    }

    @Test("accepts exactly the maximum, 100 years")
    func acceptsMaximum() {
        #expect(DurationText.parse("876600h") == DurationText.maximum)
        #expect(DurationText.parse("36525d") == DurationText.maximum)
        #expect(DurationText.maximum == .seconds(36_525 * 86_400))
        // Twice the maximum still fits NIO's TimeAmount (Int64 nanoseconds) without overflow.
        let nanoseconds = DurationText.maximum.components.seconds.multipliedReportingOverflow(by: 2_000_000_000)
        #expect(!nanoseconds.overflow)
    }

    @Test(
        "formats durations readably",
        arguments: [
            (Duration.seconds(90), "90s"), (.seconds(120), "2m"), (.milliseconds(250), "250ms"), (.seconds(7200), "2h"),
            (DurationText.maximum, "876600h"),
        ]
    )
    func formats(duration: Duration, text: String) {
        #expect(DurationText.format(duration) == text)
    }

    @Test(
        "formats any duration without trapping",
        arguments: [Duration.seconds(Int64.max), .seconds(Int64.max / 3600 * 3600)]
    )
    func formatsExtremes(duration: Duration) {
        #expect(!DurationText.format(duration).isEmpty)
    }

    // `1e-05us` came out for 10 ps: the exponent is not a unit `parse` reads.
    @Test(
        "formats what parse reads back, down to picoseconds",
        arguments: [
            "0.00000000001s", "0.5ns", "0.001ns", "1ns", "999ns", "0.0000000000001s", "876600h", "1.5s", "250us",
        ]
    )
    func formatParsesBack(text: String) throws {
        let duration = try #require(DurationText.parse(text))
        let formatted = DurationText.format(duration)
        #expect(DurationText.parse(formatted) != nil, "\(text) formats as \(formatted)")
    }

    @Test("says why a text is not a duration")
    func problemDescriptions() {
        #expect("\(DurationText.Problem.tooLong)" == "longer than the maximum 876600h (100 years)")
        #expect("\(DurationText.Problem.malformed)".contains("such as 100ms"))
    }
}
