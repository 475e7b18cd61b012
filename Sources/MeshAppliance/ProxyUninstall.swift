import MeshCore
import MeshProxy

/// `meshbox proxy uninstall`: removes every rule and VIP route meshbox made on this host, with no
/// server running, read from the host's tables (not from any memory of what was installed).
public enum ProxyUninstall {
    /// One line per backend tried. Without `capture`, the configured backend is removed and the
    /// other one too when its tool is installed (a change of `proxy.capture` may have left it);
    /// a failure there is reported, not fatal.
    ///
    /// - Returns: the lines to print, and whether everything asked for was removed.
    public static func run(
        capture: NodeProxySettings.Capture?, configuration: ApplianceConfiguration
    ) async -> (lines: [String], ok: Bool) {
        let configured = configuration.proxy.capture
        let order: [(NodeProxySettings.Capture, required: Bool)]
        if let capture {
            order = [(capture, true)]
        } else {
            order = [NodeProxySettings.Capture.iptables, .nftables].map { ($0, $0 == configured) }
        }
        var lines: [String] = []
        var ok = true
        for (backend, required) in order {
            guard let reconciler = ProxyAssembly.captureBackend(backend, configuration: configuration) else { continue }
            do {
                try await reconciler.removeRules()
                lines.append("\(backend.rawValue): meshbox's rules removed (nothing else touched)")
            } catch let error as MeshError where error.code == .unavailable && !required {
                lines.append("\(backend.rawValue): skipped (\(error.message))")
            } catch {
                lines.append("\(backend.rawValue): \(required ? "failed" : "not removed"): \(error)")
                if required { ok = false }
            }
        }
        // Routes are found by meshbox's mark (proto 77), whatever proxy.installRoutes says now.
        do {
            let removed = try await ProxyAssembly.vipRoutes(configuration).remove()
            lines.append("routes: \(removed) meshbox VIP route\(removed == 1 ? "" : "s") removed (nothing else touched)")
        } catch let error as MeshError where error.code == .unavailable {
            lines.append("routes: skipped (\(error.message))")
        } catch {
            lines.append("routes: failed: \(error)")
            ok = false
        }
        return (lines, ok)
    }
}
