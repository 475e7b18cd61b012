import Glibc
import Logging
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNet

/// The downstream connection budget: admissions against the limit, idle connections replaced
/// oldest first, accept errors logged once per interval and counted.
@Suite("ConnectionAdmission")
struct ConnectionAdmissionTests {
    @Test("under the limit admitted, at it admitted in an idle one's place (up to the slack), past that refused")
    func decisions() {
        let admission = ConnectionAdmission(limit: 4, logger: LogRecorder().logger, factory: TestMetrics())
        #expect((0..<4).map { _ in admission.admit() } == [.admit, .admit, .admit, .admit])
        #expect(admission.admit() == .replaceIdle)
        #expect(admission.admit() == .refuse)
        #expect(admission.openConnections == 5)
        admission.release()
        admission.release()
        #expect(admission.admit() == .admit)
    }

    @Test("accept errors: one warning per interval with the count, a metric per error; ECONNABORTED only counted")
    func acceptErrors() throws {
        let logs = LogRecorder()
        let metrics = TestMetrics()
        let admission = ConnectionAdmission(limit: 4, logger: logs.logger, warningInterval: .hours(1), factory: metrics)
        for _ in 0..<3 { admission.acceptFailed(IOError(errnoCode: EMFILE, reason: "accept"), listener: "l") }
        admission.acceptFailed(IOError(errnoCode: ECONNABORTED, reason: "accept"), listener: "l")
        let warnings = logs.all.filter { $0.level == .warning }
        #expect(warnings.map(\.message) == ["Cannot accept connections"])
        #expect(warnings.first?.metadata["error.type"] == "EMFILE")
        let emfile = try metrics.expectCounter("meshbox_accept_errors_total", [("error", "EMFILE")])
        #expect(emfile.totalValue == 3)
        let aborted = try metrics.expectCounter("meshbox_accept_errors_total", [("error", "ECONNABORTED")])
        #expect(aborted.totalValue == 1)
        #expect(ConnectionAdmission.acceptBackoff(IOError(errnoCode: EMFILE, reason: "accept")) == .milliseconds(500))
        #expect(ConnectionAdmission.acceptBackoff(IOError(errnoCode: ECONNABORTED, reason: "accept")) == nil)
    }

    @Test("refusals and replacements: one warning per interval, counted")
    func atLimit() throws {
        let logs = LogRecorder()
        let metrics = TestMetrics()
        let admission = ConnectionAdmission(limit: 4, logger: logs.logger, warningInterval: .hours(1), factory: metrics)
        admission.refused()
        admission.replacedIdle()
        admission.refused()
        #expect(logs.all.filter { $0.level == .warning }.count == 1)
        #expect(try metrics.expectCounter("meshbox_downstream_connections_refused_total").totalValue == 2)
        #expect(try metrics.expectCounter("meshbox_downstream_connections_shed_total").totalValue == 1)
    }

    @Test("the oldest idle connection is shed; busy ones and closed ones are passed over")
    func shedsOldestIdle() throws {
        let list = IdleConnections()
        var channels: [EmbeddedChannel] = []
        var timeouts: [ConnectionTimeouts] = []
        for _ in 0..<3 {
            let channel = EmbeddedChannel()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let connection = ConnectionTimeouts(settings: ProxySettings())
            connection.register(in: list, channel: channel)
            try channel.pipeline.syncOperations.addHandler(connection)
            channels.append(channel)
            timeouts.append(connection)
        }
        timeouts[0].requestStarted()  // busy: not to be shed
        #expect(list.shedOldest())
        #expect(channels.map(\.isActive) == [true, false, true])
        #expect(list.shedOldest())
        #expect(channels.map(\.isActive) == [true, false, false])
        #expect(!list.shedOldest())
        _ = try channels[0].finish()
    }
}
