import Metrics

/// The node's view of its control plane, as metrics (no node id in a label: one node per process).
struct XDSClientMetrics: Sendable {
    let connected = Gauge(label: "meshbox_xds_client_connected")
    let appliedVersion = Gauge(label: "meshbox_xds_client_applied_version")
    let reconnects = Counter(label: "meshbox_xds_client_reconnects_total")
    let rejections = Counter(label: "meshbox_xds_client_rejections_total")
    let resourcesReceived = Counter(label: "meshbox_xds_client_resources_received_total")
    let renewals = Counter(label: "meshbox_xds_client_certificate_renewals_total")
    let certificateExpiry = Gauge(label: "meshbox_xds_client_certificate_expiry_seconds")
}
