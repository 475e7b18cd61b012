import MeshAppliance

/// What `meshbox version` and `meshbox --version` say about this binary: the version
/// (`MeshboxVersion`), and the git commit and UTC build date stamped in by
/// scripts/build-release.sh.
///
/// The stamp is a source file, not a compiler flag: the release script writes
/// `BuildInfo+Release.swift` (gitignored) next to this file for the length of its build,
/// declaring `BuildInfo.stamp` inside `#if !DEBUG`. A member declared on the type wins over `BuildStamped`'s default below, so a
/// release build with that file prints its stamp, and every other build (the debug build the
/// tests run, whose flags stay the same for `swift build` and `swift test`; a fresh clone) compiles
/// the default and says it is a development build.
enum BuildInfo: BuildStamped {
    /// The lines `meshbox version` prints.
    static var text: String {
        let stamp = self.stamp
        return [
            "meshbox \(MeshboxVersion.current)",
            "commit: \(stamp?.commit ?? "unknown (development build)")",
            "built: \(stamp?.date ?? "unknown (development build)")",
        ].joined(separator: "\n")
    }
}

/// Where a release build came from.
struct BuildStamp {
    /// `git rev-parse HEAD`, with `-dirty` when Sources or Package.swift had uncommitted changes.
    var commit: String
    /// ISO 8601, UTC (`SOURCE_DATE_EPOCH` when set, for reproducible builds).
    var date: String
}

/// Gives `BuildInfo` its default: no stamp.
protocol BuildStamped {}

extension BuildStamped {
    static var stamp: BuildStamp? { nil }
}
