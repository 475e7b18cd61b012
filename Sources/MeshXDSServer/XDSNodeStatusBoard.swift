import Foundation
import MeshModel
import Metrics

/// The status of every xDS client, connected or recently gone, and the server's metrics.
///
/// Metrics (bounded labels: the mode and the short type name, never a node id):
/// - `meshbox_xds_connected_nodes{mode}` (gauge)
/// - `meshbox_xds_pushes_total{type}` (counter): responses sent
/// - `meshbox_xds_rejections_total{type}` (counter): NACKs received
public actor XDSNodeStatusBoard {
    static let connectedLabel = "meshbox_xds_connected_nodes"
    static let pushesLabel = "meshbox_xds_pushes_total"
    static let rejectionsLabel = "meshbox_xds_rejections_total"

    private var connected: [UInt64: XDSNodeStatus] = [:]
    /// Node id → its last stream's status, once that stream ended.
    private var gone: [String: XDSNodeStatus] = [:]
    private var nextStreamID: UInt64 = 0
    private let keepGone: Int

    /// - Parameter keepGone: how many disconnected nodes to remember.
    public init(keepGone: Int = 1000) {
        self.keepGone = keepGone
    }

    /// Every node: connected ones first, then disconnected, each by node id.
    public func nodes() -> [XDSNodeStatus] {
        let live = connected.values.sorted { ($0.nodeID, $0.streamID) < ($1.nodeID, $1.streamID) }
        let liveIDs = Set(live.map(\.nodeID))
        return live + gone.values.filter { !liveIDs.contains($0.nodeID) }.sorted { $0.nodeID < $1.nodeID }
    }

    /// The status of one node: its connected stream, else its last one.
    public func node(_ id: String) -> XDSNodeStatus? {
        connected.values.filter { $0.nodeID == id }.max { $0.streamID < $1.streamID } ?? gone[id]
    }

    func connect(node: DataPlaneNode, mode: XDSNodeStatus.Mode, peer: String) -> UInt64 {
        nextStreamID += 1
        connected[nextStreamID] = XDSNodeStatus(
            streamID: nextStreamID,
            nodeID: node.id,
            roles: node.roles.sorted(),
            labels: node.labels,
            mode: mode,
            peer: peer,
            connected: true,
            connectedAt: Date(),
            disconnectedAt: nil,
            ackedVersions: [:],
            sentVersions: [:],
            pushes: 0,
            rejections: 0,
            lastRejection: nil
        )
        recordConnectedGauge()
        return nextStreamID
    }

    func record(_ events: [ADSStreamEvent], stream: UInt64) {
        guard var status = connected[stream] else { return }
        for event in events {
            switch event {
            case .sent(let typeURL, let version, _, _, _):
                status.pushes += 1
                status.sentVersions[typeURL] = version
                Counter(label: Self.pushesLabel, dimensions: [("type", ADSTypeURL.shortName(typeURL))]).increment()
            case .acked(let typeURL, let version):
                status.ackedVersions[typeURL] = version
            case .nacked(let typeURL, let version, let message):
                status.rejections += 1
                status.lastRejection = .init(typeURL: typeURL, version: version, message: message, time: Date())
                Counter(label: Self.rejectionsLabel, dimensions: [("type", ADSTypeURL.shortName(typeURL))])
                    .increment()
            case .stale:
                break
            }
        }
        connected[stream] = status
    }

    func disconnect(stream: UInt64) {
        guard var status = connected.removeValue(forKey: stream) else { return }
        status.connected = false
        status.disconnectedAt = Date()
        gone[status.nodeID] = status
        if gone.count > keepGone,
            let oldest = gone.values.min(by: {
                ($0.disconnectedAt ?? .distantPast) < ($1.disconnectedAt ?? .distantPast)
            })
        {
            gone[oldest.nodeID] = nil
        }
        recordConnectedGauge()
    }

    private func recordConnectedGauge() {
        for mode in [XDSNodeStatus.Mode.stateOfTheWorld, .delta] {
            let count = connected.values.filter { $0.mode == mode }.count
            Gauge(label: Self.connectedLabel, dimensions: [("mode", mode.rawValue)]).record(count)
        }
    }
}
