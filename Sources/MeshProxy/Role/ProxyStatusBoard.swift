public import Foundation
public import MeshAPI
import Synchronization

/// The node proxy's status as the role last left it: written by the role (and by the data-plane
/// role for the listeners), read by the console. A lock, not an actor: both sides only copy a value.
public final class ProxyStatusBoard: ProxyStatusSource {
    private let state: Mutex<ProxyStatus>

    public init(capture: String) {
        state = Mutex(ProxyStatus(capture: capture))
    }

    public func proxyStatus() async -> ProxyStatus { current }

    public var current: ProxyStatus { state.withLock { $0 } }

    /// The proxy's listeners from the data plane's last snapshot: name → bound address or failure.
    public func setListeners(bound: [String: String], failed: [String: String]) {
        let listeners =
            bound.map { ProxyStatus.Listener(name: $0.key, address: $0.value) }
            + failed.map { ProxyStatus.Listener(name: $0.key, error: $0.value) }
        state.withLock { $0.listeners = listeners.sorted { $0.name < $1.name } }
    }

    func setVIPCount(_ count: Int) {
        state.withLock { $0.vipCount = count }
    }

    func record(_ pass: CapturePass, vips: [IPFamily: Int], at date: Date) {
        state.withLock { status in
            status.families = pass.families.map {
                ProxyStatus.Family(
                    family: $0.family.rawValue, range: $0.range, installed: $0.installed, rules: $0.rules,
                    vips: vips[$0.family] ?? 0)
            }
            status.lastReconcile = date
            status.lastReconcileSeconds = Self.seconds(pass.duration)
            status.lastError = nil
            if pass.repaired { status.repairs += 1 }
            status.problems = pass.problems.map(\.description)
        }
    }

    func recordFailure(_ error: any Error, after elapsed: Duration, at date: Date) {
        state.withLock { status in
            status.lastReconcile = date
            status.lastReconcileSeconds = Self.seconds(elapsed)
            status.lastError = "\(error)"
        }
    }

    /// After the rules were removed on stop.
    func recordRemoved() {
        state.withLock { status in
            for index in status.families.indices {
                status.families[index].installed = false
                status.families[index].rules = 0
            }
        }
    }

    var lastPassFailed: Bool { state.withLock { $0.lastError != nil } }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
