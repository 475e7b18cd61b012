extension Validator {
    static func validateGateway(_ spec: GatewaySpec, into issues: inout IssueCollector) {
        issues.checkLabels(spec.selector, at: "spec.selector")
        if spec.servers.isEmpty { issues.error("spec.servers", "a gateway needs at least one server") }
        var names: [String: Int] = [:]
        var protocols: [UInt32: (PortProtocol, Int)] = [:]
        for (index, server) in spec.servers.enumerated() {
            let path = "spec.servers[\(index)]"
            validateServer(server, at: path, into: &issues)
            if let name = server.name, let earlier = names.updateValue(index, forKey: name) {
                issues.error(path + ".name", "server name \"\(name)\" is already used by servers[\(earlier)]")
            }
            if let port = server.port, let proto = port.protocol {
                if let (other, earlier) = protocols[port.number], other != proto, !(other.isHTTP && proto.isHTTP) {
                    issues.error(
                        path + ".port",
                        "port \(port.number) is used with protocol \(other.rawValue) by servers[\(earlier)] and \(proto.rawValue) here"
                    )
                } else if protocols[port.number] == nil {
                    protocols[port.number] = (proto, index)
                }
            }
        }
    }

    private static func validateServer(_ server: GatewaySpec.Server, at path: String, into issues: inout IssueCollector)
    {
        if server.hosts.isEmpty { issues.error(path + ".hosts", "a server needs at least one host") }
        for (index, host) in server.hosts.enumerated() {
            validateGatewayHost(host, at: "\(path).hosts[\(index)]", into: &issues)
            // meshbox extension: the mesh CA issues this server's certificate, for exact host names only.
            if server.tls?.credentialName == "meshbox-ca", host.contains("*") {
                issues.error(
                    "\(path).hosts[\(index)]",
                    "credentialName meshbox-ca: the mesh CA issues certificates for exact host names only, not \"\(host)\"")
            }
        }
        if let bind = server.bind, !Syntax.isIP(bind) && !bind.hasPrefix("unix://") {
            issues.error(path + ".bind", "\"\(bind)\" is not an IP address or unix:// path")
        }
        guard let port = server.port else {
            issues.error(path + ".port", "missing required field")
            return
        }
        issues.checkPort(port.number, at: path + ".port.number")
        issues.checkPort(port.targetPort, at: path + ".port.targetPort")
        if let name = port.name, name.isEmpty { issues.error(path + ".port.name", "port name must not be empty") }
        guard let proto = port.protocol else {
            issues.error(path + ".port.protocol", "missing required field")
            return
        }
        validateServerTLS(server.tls, protocol: proto, at: path, into: &issues)
    }

    /// `[namespace/]host`, where namespace is `*`, `.` or a name, and host may be a wildcard.
    private static func validateGatewayHost(_ host: String, at path: String, into issues: inout IssueCollector) {
        let parts = host.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            issues.error(path, "invalid host \(host): expected [namespace/]host")
            return
        }
        if parts.count == 2 {
            let namespace = String(parts[0])
            if namespace != "*" && namespace != "." && namespace != "~" && !Syntax.isDNSLabel(namespace) {
                issues.error(path, "invalid namespace \"\(namespace)\" in host \(host): *, . or a namespace name")
            }
        }
        if let problem = Syntax.hostProblem(String(parts[parts.count - 1])) { issues.error(path, problem) }
    }

    private static func validateServerTLS(
        _ tls: GatewaySpec.ServerTLSSettings?,
        protocol proto: PortProtocol,
        at serverPath: String,
        into issues: inout IssueCollector
    ) {
        let path = serverPath + ".tls"
        guard let tls else {
            if proto.isTLS { issues.error(path, "an \(proto.rawValue) server needs TLS settings") }
            return
        }
        let hasTLSFields =
            tls.mode != nil || tls.credentialName != nil || tls.serverCertificate != nil
            || tls.privateKey != nil || tls.caCertificates != nil
        if !proto.isTLS {
            if hasTLSFields {
                issues.error(path, "TLS settings other than httpsRedirect need an HTTPS or TLS port")
            }
            return
        }
        let mode = tls.mode ?? .passthrough
        if tls.mode == nil && tls.httpsRedirect != true {
            issues.error(path + ".mode", "missing required field")
        }
        switch mode {
        case .simple, .mutual, .optionalMutual:
            if tls.credentialName == nil {
                if tls.serverCertificate == nil {
                    issues.error(
                        path + ".serverCertificate",
                        "\(mode.rawValue) TLS needs credentialName or serverCertificate"
                    )
                }
                if tls.privateKey == nil {
                    issues.error(path + ".privateKey", "\(mode.rawValue) TLS needs credentialName or privateKey")
                }
                if mode != .simple && tls.caCertificates == nil {
                    issues.error(
                        path + ".caCertificates",
                        "\(mode.rawValue) TLS needs caCertificates to verify clients"
                    )
                }
            }
        case .istioMutual, .passthrough, .autoPassthrough:
            if tls.credentialName != nil || tls.serverCertificate != nil || tls.privateKey != nil
                || tls.caCertificates != nil
            {
                issues.error(
                    path,
                    "\(mode.rawValue) TLS cannot have credentialName, serverCertificate, privateKey or caCertificates"
                )
            }
            if mode == .autoPassthrough && proto != .tls {
                issues.error(path + ".mode", "AUTO_PASSTHROUGH needs a TLS port")
            }
        }
        if mode == .passthrough && proto == .https && tls.mode != nil {
            issues.warning(path + ".mode", "PASSTHROUGH on an HTTPS port: requests cannot be routed by HTTP rules")
        }
        if let minimum = tls.minProtocolVersion, let maximum = tls.maxProtocolVersion,
            minimum != .auto, maximum != .auto, minimum > maximum
        {
            issues.error(
                path + ".minProtocolVersion",
                "minProtocolVersion \(minimum.rawValue) is above maxProtocolVersion \(maximum.rawValue)"
            )
        }
        for (index, suite) in tls.cipherSuites.enumerated() where suite.isEmpty {
            issues.error("\(path).cipherSuites[\(index)]", "cipher suite must not be empty")
        }
    }
}
