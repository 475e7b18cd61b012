public import Foundation

/// Where the console reads the node proxy's state: the proxy role in this process. The console
/// gets nil when the role does not run here, and answers 503.
public protocol ProxyStatusSource: Sendable {
    func proxyStatus() async -> ProxyStatus
}

/// What the node proxy has done to the host and what it serves: `GET /api/v1/proxy/status`,
/// `meshbox proxy status`.
public struct ProxyStatus: Sendable, Hashable, Codable {
    /// `iptables`, `nftables` or `none` (listen only: nothing on the host is changed).
    public var capture: String
    /// Per captured address family: whether meshbox's rules are in the table, and how many.
    public var families: [Family]
    /// Service VIPs known from the config store (every address family).
    public var vipCount: Int
    /// The proxy's listeners the data plane serves: name → bound address (or why it failed).
    public var listeners: [Listener]
    /// When the last capture pass finished (successful or not); nil before the first.
    public var lastReconcile: Date?
    public var lastReconcileSeconds: Double?
    /// The last pass's failure; nil when it succeeded.
    public var lastError: String?
    /// Times the rules were found flushed by someone else and put back.
    public var repairs: Int
    /// Services (or ports) left out of the rules, with the reason.
    public var problems: [String]

    public init(
        capture: String, families: [Family] = [], vipCount: Int = 0, listeners: [Listener] = [],
        lastReconcile: Date? = nil, lastReconcileSeconds: Double? = nil, lastError: String? = nil, repairs: Int = 0,
        problems: [String] = []
    ) {
        self.capture = capture
        self.families = families
        self.vipCount = vipCount
        self.listeners = listeners
        self.lastReconcile = lastReconcile
        self.lastReconcileSeconds = lastReconcileSeconds
        self.lastError = lastError
        self.repairs = repairs
        self.problems = problems
    }

    public struct Family: Sendable, Hashable, Codable {
        /// `ipv4` or `ipv6`.
        public var family: String
        /// The VIP range whose traffic is captured.
        public var range: String
        /// Whether meshbox's rules are in the table (after the last pass).
        public var installed: Bool
        /// meshbox rules (iptables) or captured `VIP . port` elements (nftables) in the table.
        public var rules: Int
        /// VIPs of this family in the config store.
        public var vips: Int

        public init(family: String, range: String, installed: Bool, rules: Int, vips: Int) {
            self.family = family
            self.range = range
            self.installed = installed
            self.rules = rules
            self.vips = vips
        }
    }

    public struct Listener: Sendable, Hashable, Codable {
        public var name: String
        /// The bound address; nil when binding failed.
        public var address: String?
        public var error: String?

        public init(name: String, address: String? = nil, error: String? = nil) {
            self.name = name
            self.address = address
            self.error = error
        }
    }
}
