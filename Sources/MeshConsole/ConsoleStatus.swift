/// What `GET /api/v1/status` reports about this process.
public struct ConsoleStatus: Codable, Sendable, Hashable {
    /// meshbox version, for example `0.1.0`.
    public var version: String
    /// Roles running in this process, for example `["config", "console", "registry"]`.
    public var roles: [String]
    /// Seconds since the process started.
    public var uptimeSeconds: Double
    /// The config store's revision, nil when the config role does not run here.
    public var configRevision: Int64?

    public init(version: String, roles: [String], uptimeSeconds: Double, configRevision: Int64? = nil) {
        self.version = version
        self.roles = roles
        self.uptimeSeconds = uptimeSeconds
        self.configRevision = configRevision
    }
}
