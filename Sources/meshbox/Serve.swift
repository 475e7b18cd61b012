import ArgumentParser
import MeshAppliance

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run meshbox roles in this process (all available roles by default)."
    )

    @Option(name: .long, help: "Comma-separated roles to run: \(MeshRole.allCases.map(\.rawValue).joined(separator: ",")) (default: every available role).")
    var roles: String?

    @Option(name: .long, help: "YAML config file (see docs/configuration.md).")
    var config: String?

    @Option(name: .long, help: "Directory for the store, registry and admin token.")
    var dataDir: String?

    @Option(name: .long, help: "Console/admin API listener, HOST:PORT (port 0 picks a free port).")
    var consoleListen: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(name: .long, help: "Log format: text or json.")
    var logFormat: String?

    func run() async throws {
        let configuration: ApplianceConfiguration
        do {
            configuration = try ApplianceConfiguration.resolve(
                file: config, roles: roles, dataDirectory: dataDir, consoleListen: consoleListen, logLevel: logLevel, logFormat: logFormat)
        } catch let error as ApplianceError {
            throw ValidationError(error.description)
        }
        try await Appliance(configuration: configuration).run()
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
