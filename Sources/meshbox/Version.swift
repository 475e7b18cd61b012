import ArgumentParser

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print meshbox's version, the git commit it was built from and the build date (as --version)."
    )

    func run() {
        print(BuildInfo.text)
    }
}
