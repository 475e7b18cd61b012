import MeshCore

extension ApplianceConfiguration {
    /// The configuration `meshbox serve` runs with: defaults, then the file, then flags.
    public static func resolve(
        file: String?, roles: String?, dataDirectory: String?, consoleListen: String?, logLevel: String?, logFormat: String?,
        webRoot: String? = nil, gatewayListen: String? = nil, gatewayThreads: Int? = nil, accessLog: String? = nil,
        controlPlane: RemoteNodeSettings = RemoteNodeSettings()
    ) throws -> ApplianceConfiguration {
        var configuration = ApplianceConfiguration()
        if let file { configuration = try load(file: file, base: configuration) }
        if let roles { configuration.roles = try MeshRole.parseList(roles) }
        if let dataDirectory {
            guard !dataDirectory.isEmpty else { throw ApplianceError("--data-dir: must not be empty") }
            configuration.dataDirectory = dataDirectory
        }
        if let consoleListen { try configuration.setConsoleListen(consoleListen, source: "--console-listen") }
        if let webRoot {
            guard !webRoot.isEmpty else { throw ApplianceError("--web-root: must not be empty") }
            configuration.consoleWebRoot = webRoot
        }
        if let gatewayListen {
            guard !gatewayListen.isEmpty else { throw ApplianceError("--gateway-listen: must not be empty") }
            configuration.gateway.listenAddress = gatewayListen
        }
        if let gatewayThreads {
            guard (1...256).contains(gatewayThreads) else { throw ApplianceError("--gateway-threads: must be 1-256, got \(gatewayThreads)") }
            configuration.gateway.threads = gatewayThreads
        }
        if let accessLog {
            guard !accessLog.isEmpty else { throw ApplianceError("--access-log: must not be empty") }
            configuration.gateway.accessLog = accessLog
        }
        try configuration.controlPlane.override(with: controlPlane)
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
            "serviceCIDRv6: \(serviceCIDRv6)",
            "mesh.rootNamespace: \(rootNamespace)",
            "log.level: \(logLevel.rawValue)",
            "log.format: \(logFormat.rawValue)",
            "console.listen: \(consoleListen)",
            "console.webRoot: \(consoleWebRoot ?? "")",
            "console.sessionTTL: \(DurationText.format(consoleSessionTTL))",
            "console.sessionIdleTimeout: \(DurationText.format(consoleSessionIdleTimeout))",
            "config.historyDepth: \(historyDepth)",
            "config.durability: \(durability.rawValue)",
            "ca.leafTTL: \(DurationText.format(caLeafTTL))",
            "ca.maxLeafTTL: \(DurationText.format(caMaxLeafTTL))",
            "ca.rootTTL: \(DurationText.format(caRootTTL))",
            "ca.intermediate.certificate: \(caIntermediateCertificate ?? "")",
            "ca.intermediate.key: \(caIntermediateKey ?? "")",
            "ca.intermediate.chain: \(caIntermediateChain ?? "")",
            "registry.healthCheck.denyCIDRs: \(registryHealthCheckDenyCIDRs.map(\.description).joined(separator: ","))",
        ].joined(separator: "\n") + "\n" + (registryDNS.summary + console.summary + gateway.summary + proxy.summary + xds.summary + controlPlane.summary).joined(separator: "\n")
    }
}

public enum MeshboxVersion {
    public static let current = "0.1.0"
}
