import ArgumentParser
import MeshAppliance

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run meshbox roles in this process (all available roles by default)."
    )

    @Option(name: .long, help: "Comma-separated roles to run: \(MeshRole.allCases.map(\.rawValue).joined(separator: ",")) (default: every role but proxy, which changes the nat rules and runs only when named).")
    var roles: String?

    @Option(name: .long, help: "YAML config file (see docs/configuration.md).")
    var config: String?

    @Option(name: .long, help: "Directory for the store, registry and admin token.")
    var dataDir: String?

    @Option(name: .long, help: "Console/admin API listener, HOST:PORT (port 0 picks a free port).")
    var consoleListen: String?

    @Option(name: .long, help: "Serve the browser console's files from this directory instead of the built-in copy (development).")
    var webRoot: String?

    @Option(name: .long, help: "Apply the resources in this YAML file at start, before any role serves (repeatable).")
    var apply: [String] = []

    @Option(name: .long, help: "Address the gateway's listeners bind to (default 0.0.0.0).")
    var gatewayListen: String?

    @Option(name: .long, help: "Event loops (threads) carrying gateway traffic (default: one per core).")
    var gatewayThreads: Int?

    @Option(name: .long, help: "Gateway access log: off, stdout, or a file path (JSON lines).")
    var accessLog: String?

    @Option(name: .long, help: "Run as a remote node of this control plane's ADS server, https://HOST[:15012] (data-plane roles only; docs/remote-nodes.md).")
    var controlPlane: String?

    @Option(name: .long, help: "Join token for the first start of a remote node (spent only when <data-dir>/node/ holds no valid node certificate).")
    var joinToken: String?

    @Option(name: .long, help: "The control plane's admin API for the join (default: the --control-plane host, port 15000).")
    var controlPlaneAdmin: String?

    @Option(name: .long, help: "PEM CA certificates the control plane's admin API must chain to (default: the system's roots).")
    var controlPlaneCa: String?

    @Option(name: .long, help: "Name the ADS server's certificate must carry (default: the --control-plane host; localhost for loopback).")
    var controlPlaneServerName: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(name: .long, help: "Log format: text or json.")
    var logFormat: String?

    func run() async throws {
        let configuration: ApplianceConfiguration
        do {
            configuration = try ApplianceConfiguration.resolve(
                file: config, roles: roles, dataDirectory: dataDir, consoleListen: consoleListen, logLevel: logLevel, logFormat: logFormat,
                webRoot: webRoot, gatewayListen: gatewayListen, gatewayThreads: gatewayThreads, accessLog: accessLog,
                controlPlane: remoteNodeFlags)
        } catch let error as ApplianceError {
            throw ValidationError(error.description)
        }
        var withFiles = configuration
        withFiles.applyFiles = apply
        try await Appliance(configuration: withFiles).run()
    }
}

extension Serve {
    var remoteNodeFlags: RemoteNodeSettings {
        var flags = RemoteNodeSettings()
        flags.url = controlPlane
        flags.joinToken = joinToken
        flags.adminURL = controlPlaneAdmin
        flags.caFile = controlPlaneCa
        flags.serverName = controlPlaneServerName
        return flags
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a meshbox config file and print the effective settings."
    )

    @Argument(help: "The YAML config file.")
    var file: String

    func run() async throws {
        do {
            let configuration = try ApplianceConfiguration.load(file: file)
            print(configuration.summary)
        } catch let error as ApplianceError {
            throw CLIError(error.description)
        }
    }
}
