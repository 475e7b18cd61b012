import ArgumentParser
import MeshAppliance

@main
struct Meshbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meshbox",
        abstract: "A whole service mesh in one binary: registry, config store, gateway, CA, node proxy and console.",
        version: BuildInfo.text,
        subcommands: [
            Serve.self, Apply.self, Create.self, Get.self, Delete.self, History.self, Rollback.self,
            Instances.self, Register.self, Deregister.self, Heartbeat.self, CA.self, Token.self, Proxy.self, Envoy.self, CheckConfig.self, Backup.self, Restore.self, DoctorCommand.self, Version.self,
        ]
    )
}
