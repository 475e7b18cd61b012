import MeshCore

extension ApplianceConfiguration {
    /// The configuration `meshbox serve` runs with: defaults, then the file, then flags.
    public static func resolve(
        file: String?, roles: String?, dataDirectory: String?, consoleListen: String?, logLevel: String?, logFormat: String?
    ) throws -> ApplianceConfiguration {
        var configuration = ApplianceConfiguration()
        if let file { configuration = try load(file: file, base: configuration) }
        if let roles { configuration.roles = try MeshRole.parseList(roles) }
        if let dataDirectory {
            guard !dataDirectory.isEmpty else { throw ApplianceError("--data-dir: must not be empty") }
            configuration.dataDirectory = dataDirectory
        }
        if let consoleListen { try configuration.setConsoleListen(consoleListen, source: "--console-listen") }
        if let logLevel {
            guard let level = LogLevel(rawValue: logLevel) else {
                throw ApplianceError("--log-level: must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")), got '\(logLevel)'")
            }
            configuration.logLevel = level
        }
        if let logFormat {
            guard let format = LogFormat(rawValue: logFormat) else { throw ApplianceError("--log-format: must be text or json, got '\(logFormat)'") }
            configuration.logFormat = format
        }
        return configuration
    }

    /// The effective settings, one `key: value` a line, in the config file's key names.
    public var summary: String {
        [
            "roles: \(roles.map(\.rawValue).joined(separator: ","))",
            "dataDir: \(dataDirectory)",
            "nodeName: \(nodeName)",
            "trustDomain: \(trustDomain)",
            "serviceCIDR: \(serviceCIDR)",
            "log.level: \(logLevel.rawValue)",
            "log.format: \(logFormat.rawValue)",
            "console.listen: \(consoleListen)",
            "config.historyDepth: \(historyDepth)",
            "config.durability: \(durability.rawValue)",
            "ca.leafTTL: \(DurationText.format(caLeafTTL))",
            "ca.maxLeafTTL: \(DurationText.format(caMaxLeafTTL))",
            "ca.rootTTL: \(DurationText.format(caRootTTL))",
            "ca.intermediate.certificate: \(caIntermediateCertificate ?? "")",
            "ca.intermediate.key: \(caIntermediateKey ?? "")",
            "ca.intermediate.chain: \(caIntermediateChain ?? "")",
        ].joined(separator: "\n")
    }
}

public enum MeshboxVersion {
    public static let current = "0.1.0"
}
