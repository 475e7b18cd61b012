import ArgumentParser
import MeshAppliance

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            "Check the install: data dir and key modes, ports, certificate expiries, clock, nat tools (exit 1 on a failure)."
    )

    @OptionGroup var data: DataDirectoryOptions

    @Option(name: .long, help: "Roles to check for, as serve (default: the config's, else serve's default).")
    var roles: String?

    @Option(name: .long, help: "Console listener to check, HOST:PORT (default: the config's).")
    var consoleListen: String?

    func run() async throws {
        let configuration: ApplianceConfiguration
        do {
            configuration = try ApplianceConfiguration.resolve(
                file: data.config,
                roles: roles,
                dataDirectory: data.dataDir,
                consoleListen: consoleListen,
                logLevel: nil,
                logFormat: nil
            )
        } catch let error as ApplianceError {
            throw ValidationError(error.description)
        }
        let findings = await Doctor.run(configuration)
        printTable([["CHECK", "STATUS", "DETAIL"]] + findings.map { [$0.check, $0.status.rawValue, $0.detail] })
        if findings.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}
