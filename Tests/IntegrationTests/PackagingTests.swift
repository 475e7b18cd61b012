import Foundation
import MeshTesting
import Testing

/// The Debian package and the systemd unit, checked on the binary under test: CI packages the
/// debug build (`scripts/build-deb.sh --binary`), never a release build. What only a release
/// build can show (no Swift runtime libraries, no run path) is checked when `MESHBOX_BINARY` is
/// one, i.e. when `meshbox version` names a commit.
@Suite("Debian package and systemd unit")
struct PackagingTests {
    static let binary = MeshboxProcess.binaryPath()

    @Test("the .deb holds the binary, the conffile, the unit and drop-in, man page, completions, copyright and changelog; lintian passes")
    func packageContents() async throws {
        let directory = try TemporaryDirectory(prefix: "mbx-deb")
        defer { directory.remove() }
        let build = try await ChildProcess.run(
            "/usr/bin/env", ["bash", repositoryRoot + "/scripts/build-deb.sh", "--binary", Self.binary, "--out", directory.path],
            environment: ProcessInfo.processInfo.environment.merging(["DPKG_DEB_COMPRESSOR_TYPE": "gzip", "DPKG_DEB_COMPRESSOR_LEVEL": "1"]) { $1 })
        try #require(build.status == 0, "build-deb.sh failed: \(build.output)")
        let version = try Self.version()
        let deb = directory.file("meshbox_\(version)_amd64.deb")
        try #require(FileManager.default.fileExists(atPath: deb), "no \(deb): \(build.output)")

        let listing = try await Tool.run("dpkg-deb", ["-c", deb])
        #expect(listing.status == 0)
        for path in [
            "./usr/bin/meshbox", "./etc/meshbox/meshbox.yaml", "./lib/systemd/system/meshbox.service",
            "./usr/share/meshbox/systemd/proxy.conf", "./usr/share/man/man1/meshbox.1.gz",
            "./usr/share/bash-completion/completions/meshbox", "./usr/share/zsh/vendor-completions/_meshbox",
            "./usr/share/fish/vendor_completions.d/meshbox.fish", "./usr/share/doc/meshbox/copyright",
            "./usr/share/doc/meshbox/changelog.gz", "./usr/share/lintian/overrides/meshbox",
        ] {
            #expect(listing.output.contains(" \(path)\n"), "\(path) missing from the package")
        }
        let binaryLine = listing.output.split(separator: "\n").first { $0.hasSuffix(" ./usr/bin/meshbox") } ?? ""
        #expect(binaryLine.hasPrefix("-rwxr-xr-x root/root"), "the binary is executable and owned by root: \(binaryLine)")

        let control = try await Tool.run("dpkg-deb", ["-f", deb, "Package", "Version", "Architecture", "Depends"])
        #expect(control.output.contains("Package: meshbox\nVersion: \(version)\nArchitecture: amd64\n"), "got \(control.output)")
        for dependency in ["libc6 (>=", "libsqlite3-0", "adduser"] {
            #expect(control.output.contains(dependency), "Depends lacks \(dependency): \(control.output)")
        }

        // The control files: the conffile list, and maintainer scripts that parse.
        let extracted = directory.file("control")
        #expect(try await Tool.run("dpkg-deb", ["-e", deb, extracted]).status == 0)
        #expect(try String(contentsOfFile: extracted + "/conffiles", encoding: .utf8) == "/etc/meshbox/meshbox.yaml\n")
        for script in ["preinst", "postinst", "prerm", "postrm"] {
            let syntax = try await Tool.run("sh", ["-n", extracted + "/" + script])
            #expect(syntax.status == 0, "\(script): \(syntax.output)")
        }
        let postinst = try String(contentsOfFile: extracted + "/postinst", encoding: .utf8)
        #expect(postinst.contains("adduser --quiet --system --group"), "postinst makes the meshbox user")

        // The files: the conffile is a valid config without a fixed node name; the completions parse.
        let root = directory.file("root")
        #expect(try await Tool.run("dpkg-deb", ["-x", deb, root]).status == 0)
        let config = try String(contentsOfFile: root + "/etc/meshbox/meshbox.yaml", encoding: .utf8)
        #expect(!config.contains("\nnodeName:"), "each host names itself")
        let check = try await runMeshboxCLI(["check-config", root + "/etc/meshbox/meshbox.yaml"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("dataDir: /var/lib/meshbox"), "got \(check.stdout)")
        #expect(try await Tool.run("bash", ["-n", root + "/usr/share/bash-completion/completions/meshbox"]).status == 0)
        let packaged = try await Tool.run(root + "/usr/bin/meshbox", ["version"])
        #expect(packaged.status == 0 && packaged.output.hasPrefix("meshbox \(version)\n"), "the stripped binary runs: \(packaged.output)")

        // Lintian: no error or warning. The debug build keeps its run path to the toolchain's
        // Swift runtime (a release build has none), the one tag only the test package may carry.
        var suppressed = ["--suppress-tags", "custom-library-search-path"]
        if try Self.isReleaseBuild() { suppressed = [] }
        let lint = try await Tool.run("lintian", ["--fail-on", "error,warning"] + suppressed + [deb])
        #expect(lint.status == 0, "lintian: \(lint.output)")
        #expect(!lint.output.contains("\nE: ") && !lint.output.contains("\nW: "), "lintian: \(lint.output)")
    }

    @Test("systemd-analyze verify passes the unit and the proxy drop-in without a warning")
    func unitVerifies() async throws {
        let units = try Self.unitDirectory(withProxyDropIn: true)
        defer { units.remove() }
        let verify = try await Tool.run("systemd-analyze", ["verify", "--man=no", units.file("meshbox.service")])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.isEmpty, "verify warned: \(verify.output)")
    }

    @Test("the control-plane unit's exposure is OK (at most 2.5); the proxy drop-in adds CAP_NET_ADMIN and nothing else")
    func unitSecurityScore() async throws {
        let base = try Self.unitDirectory(withProxyDropIn: false)
        defer { base.remove() }
        let proxy = try Self.unitDirectory(withProxyDropIn: true)
        defer { proxy.remove() }
        let (baseScore, baseOutput) = try await Self.exposure(of: base)
        let (proxyScore, proxyOutput) = try await Self.exposure(of: proxy)
        #expect(baseScore <= 2.5, "\(baseOutput)")
        #expect(baseOutput.contains("Overall exposure level for meshbox.service: \(baseScore) OK"))
        #expect(!baseOutput.contains("✗ CapabilityBoundingSet=~CAP_NET_ADMIN"), "the control plane has no CAP_NET_ADMIN")
        #expect(proxyOutput.contains("✗ CapabilityBoundingSet=~CAP_NET_ADMIN"), "the drop-in grants CAP_NET_ADMIN: \(proxyOutput)")
        let failed = { (output: String) in Set(output.split(separator: "\n").filter { $0.hasPrefix("✗") }.map { $0.split(separator: " ")[1] }) }
        #expect(failed(proxyOutput).subtracting(failed(baseOutput)) == ["CapabilityBoundingSet=~CAP_NET_ADMIN"])
    }

    @Test("the binary loads only libc, libsqlite3, zlib, libstdc++ and libgcc_s (and, in a debug build, the Swift runtime)")
    func sharedLibraries() async throws {
        let ldd = try await Tool.run("ldd", [Self.binary])
        #expect(ldd.status == 0, "\(ldd.output)")
        let libraries = ldd.output.split(separator: "\n").compactMap { line -> String? in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        }
        let system: Set = [
            "linux-vdso.so.1", "/lib64/ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libsqlite3.so.0", "libz.so.1",
            "libstdc++.so.6", "libgcc_s.so.1",
        ]
        let runtime = libraries.filter { !system.contains($0) }
        #expect(libraries.contains("libsqlite3.so.0") && libraries.contains("libc.so.6"), "got \(libraries)")
        if try Self.isReleaseBuild() {
            #expect(runtime.isEmpty, "a release build links the Swift runtime in: \(runtime)")
        } else {
            // The debug build loads the toolchain's runtime, nothing else.
            let swiftRuntime = /lib(swift\w*|Foundation\w*|_FoundationICU|dispatch|BlocksRuntime)\.so/
            #expect(runtime.allSatisfy { $0.wholeMatch(of: swiftRuntime) != nil }, "unexpected libraries: \(runtime)")
        }
    }

    @Test("meshbox serves with writable-and-executable memory refused, as MemoryDenyWriteExecute= does")
    func servesWithoutWritableExecutableMemory() async throws {
        let directory = try TemporaryDirectory(prefix: "mbx-mdwe")
        defer { directory.remove() }
        // PR_SET_MDWE (Linux 6.3) refuses what systemd's MemoryDenyWriteExecute= filters: a
        // mapping both writable and executable, and making one executable later. It is inherited
        // by the exec'd meshbox. The positive control: a write+execute mmap fails under it.
        let wrapper = """
            import ctypes, mmap, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(65, 1, 0, 0, 0) != 0:
                sys.exit("PR_SET_MDWE failed: errno %d" % ctypes.get_errno())
            try:
                mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
                sys.exit("a writable and executable mapping was allowed")
            except OSError:
                pass
            os.execv(sys.argv[1], sys.argv[1:])
            """
        let data = directory.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let server = try ChildProcess(
            executable: "/usr/bin/python3",
            arguments: ["-c", wrapper, Self.binary, "serve", "--roles", "all", "--data-dir", data, "--console-listen", "127.0.0.1:0"],
            standardOutput: directory.file("out"), standardError: directory.file("out"))
        defer {
            if server.isRunning { server.signal(SIGKILL) }
        }
        try await eventually("meshbox to serve under PR_SET_MDWE", timeout: .seconds(30)) {
            guard server.isRunning else {
                throw TimedOut("exited \(server.terminationStatus): \((try? String(contentsOfFile: directory.file("out"), encoding: .utf8)) ?? "")")
            }
            return FileManager.default.fileExists(atPath: data + "/console.url")
        }
        server.signal(SIGTERM)
        #expect(await server.exit(within: .seconds(15)) == 0)
    }

    /// The unit (and the drop-in) as the package installs them, with ExecStart naming the binary
    /// under test: `verify` checks that the executable exists.
    static func unitDirectory(withProxyDropIn: Bool) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "mbx-unit")
        let unit = try String(contentsOfFile: repositoryRoot + "/packaging/meshbox.service", encoding: .utf8)
        #expect(unit.contains("\nExecStart=/usr/bin/meshbox serve"))
        try unit.replacingOccurrences(of: "\nExecStart=/usr/bin/meshbox ", with: "\nExecStart=\(binary) ")
            .write(toFile: directory.file("meshbox.service"), atomically: true, encoding: .utf8)
        if withProxyDropIn {
            try FileManager.default.createDirectory(atPath: directory.file("meshbox.service.d"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: repositoryRoot + "/packaging/meshbox.service.d/proxy.conf", toPath: directory.file("meshbox.service.d/proxy.conf"))
        }
        return directory
    }

    /// `systemd-analyze security --offline=true`: the overall exposure and the whole report.
    static func exposure(of units: TemporaryDirectory) async throws -> (Double, String) {
        let report = try await Tool.run("systemd-analyze", ["security", "--offline=true", "--no-pager", units.file("meshbox.service")])
        let match = report.output.firstMatch(of: /Overall exposure level for meshbox\.service: (\d+\.\d+)/)
        let score = try #require(match.flatMap { Double($0.1) }, "no score in: \(report.output)")
        return (score, report.output)
    }

    static func version() throws -> String {
        let output = try ChildProcess.run(binary, ["version"]).output
        return String(output.split(separator: "\n").first?.dropFirst("meshbox ".count) ?? "")
    }

    /// Only scripts/build-release.sh stamps a commit into the binary.
    static func isReleaseBuild() throws -> Bool {
        !(try ChildProcess.run(binary, ["version"]).output.contains("commit: unknown"))
    }
}
