import Yams

/// Turns YAML or JSON text into document trees.
///
/// Scalars resolve as in YAML 1.2's core schema: quoted text is always a string (`"80"`), plain
/// `80` an integer, `1.5` a number, `true`/`false` booleans, `null`/`~`/empty null. YAML 1.1's
/// `yes`/`no`/`on`/`off` stay strings, as do timestamps.
///
/// Anchors and aliases are refused (Kubernetes manifests do not use them, and an alias bomb of a
/// few hundred bytes expands to gigabytes), before anything expands them: see `AnchorScreen`.
/// The number of documents, the nesting depth and the number of nodes are bounded by `Limits`.
enum DocumentReader {
    struct Failure: Error {
        var document: Int
        var path: String
        var message: String
    }

    /// Bounds on one text; real manifests stay far below each.
    struct Limits {
        /// Documents in one text (`---` separated), empty ones included.
        var documents = 10_000
        /// Collections inside collections, counting the document itself as depth 1.
        var depth = 64
        /// Scalars and collections over all documents. Yams takes about 200 bytes a node, so this
        /// keeps one text under about 100 MB while composing (8 MB of `[1,1,…]` took 667 MiB).
        var nodes = 500_000
    }

    /// Every document of the text, in order; empty documents included as `.null`.
    static func read(_ text: String, limits: Limits = Limits()) throws(Failure) -> [JSONValue] {
        // Bounded before composing: Yams builds every node before this reader sees any.
        guard maximumNodes(text) <= limits.nodes else {
            throw Failure(
                document: 1,
                path: "",
                message: "too many values in one text (at most \(limits.nodes)); apply it in smaller batches"
            )
        }
        let screen = AnchorScreen(text)
        if let marked = screen.markedText {
            do throws(Failure) {
                _ = try compose(marked, limits: limits, refusingMarks: true)
            } catch let failure where failure.isYAMLSyntax {
                // An anchor on a collection (`base: &base` then an indented map) leaves invalid YAML
                // once marked: name the likely anchor rather than the syntax error it causes.
                guard let likely = screen.firstAtNodeStart else { throw failure }
                throw Failure(
                    document: failure.document,
                    path: "",
                    message: "YAML anchors and aliases are not accepted (\(likely.text) at line \(likely.line), "
                        + "column \(likely.column)); write the value out in full"
                )
            }
        }
        return try compose(text, limits: limits, refusingMarks: false)
    }

    /// At least as many as the nodes `text` composes to, counted without parsing: every node but
    /// the first follows a line break or one of `- : , [ { ?`, and only an entry that follows
    /// `, [ { ?` can bring a second node without a character of its own (the null value of
    /// `{a, b}` or `? a`, the map of `[a: 1]`).
    static func maximumNodes(_ text: String) -> Int {
        var count = 1
        for byte in text.utf8 {
            switch byte {
            // 0x85, 0xA8 and 0xA9 end the UTF-8 of NEL, LS and PS, which libyaml reads as line breaks too.
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "-"), UInt8(ascii: ":"), 0x85, 0xA8, 0xA9:
                count += 1
            case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "?"): count += 2
            default: continue
            }
        }
        return count
    }

    /// Composes and converts every document. With `refusingMarks`, a plain scalar that starts
    /// with one of `AnchorScreen`'s marks is refused as the anchor or alias it stands for.
    private static func compose(_ text: String, limits: Limits, refusingMarks: Bool) throws(Failure) -> [JSONValue] {
        var documents: [JSONValue] = []
        var budget = Budget(limits: limits, refusingMarks: refusingMarks)
        do {
            var sequence = try Yams.compose_all(yaml: text)
            while let node = sequence.next() {
                guard documents.count < limits.documents else {
                    throw Failure(
                        document: documents.count + 1,
                        path: "",
                        message: "more than \(limits.documents) documents in one text; apply them in smaller batches"
                    )
                }
                budget.document = documents.count + 1
                documents.append(try budget.convert(node, path: "", depth: 1))
            }
            if let error = sequence.error { throw error }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(
                document: documents.count + 1,
                path: "",
                message: Failure.yamlPrefix + describe(error)
            )
        }
        return documents
    }

    /// The conversion of one text, counting what the limits bound.
    private struct Budget {
        let limits: Limits
        let refusingMarks: Bool
        var document = 1
        var nodes = 0

        mutating func convert(_ node: Node, path: String, depth: Int) throws(Failure) -> JSONValue {
            nodes += 1
            guard nodes <= limits.nodes else {
                throw Failure(
                    document: document,
                    path: path,
                    message: "too many values in one text (at most \(limits.nodes)); apply it in smaller batches"
                )
            }
            switch node {
            case .scalar(let scalar):
                try refuseMarked(scalar, path: path)
                return DocumentReader.resolve(scalar)
            case .sequence(let sequence):
                try checkDepth(depth, path: path)
                var array: [JSONValue] = []
                for (index, element) in sequence.enumerated() {
                    array.append(try convert(element, path: path + "[\(index)]", depth: depth + 1))
                }
                return .array(array)
            case .mapping(let mapping):
                try checkDepth(depth, path: path)
                var object: [String: JSONValue] = [:]
                for (key, value) in mapping {
                    guard case .scalar(let keyScalar) = key else {
                        throw Failure(document: document, path: path, message: "map keys must be strings")
                    }
                    let name = keyScalar.string
                    let childPath = path.isEmpty ? name : path + "." + name
                    try refuseMarked(keyScalar, path: path)
                    guard object[name] == nil else {
                        throw Failure(document: document, path: childPath, message: "duplicate key")
                    }
                    object[name] = try convert(value, path: childPath, depth: depth + 1)
                }
                return .object(object)
            case .alias:
                // Yams resolves aliases while composing, and `AnchorScreen` keeps them from getting this far.
                throw Failure(document: document, path: path, message: "YAML aliases are not accepted")
            }
        }

        private func refuseMarked(_ scalar: Node.Scalar, path: String) throws(Failure) {
            guard refusingMarks, scalar.style == .plain || scalar.style == .any,
                let name = AnchorScreen.markedName(scalar.string)
            else { return }
            throw Failure(
                document: document,
                path: path,
                message: "YAML anchors and aliases are not accepted (\(name)); write the value out in full"
            )
        }

        private func checkDepth(_ depth: Int, path: String) throws(Failure) {
            guard depth <= limits.depth else {
                throw Failure(
                    document: document,
                    path: path,
                    message: "nested more than \(limits.depth) levels deep"
                )
            }
        }
    }

    private static let yaml11Booleans: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ]

    fileprivate static func resolve(_ scalar: Node.Scalar) -> JSONValue {
        guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
        let node = Node.scalar(scalar)
        switch node.tag.rawValue {
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue:
            guard !yaml11Booleans.contains(scalar.string), let flag = node.bool else { return .string(scalar.string) }
            return .bool(flag)
        // YAML 1.1's base-60 numbers (`1:30`) are strings in YAML 1.2, and Yams would read them
        // with trapping arithmetic: `9223372036854775807:59` or twelve `:0` groups aborted the process.
        case Tag.Name.int.rawValue:
            guard !scalar.string.contains(":"), let integer = node.int else { return .string(scalar.string) }
            return .int(Int64(integer))
        case Tag.Name.float.rawValue:
            guard !scalar.string.contains(":"), let number = node.float else { return .string(scalar.string) }
            return .double(number)
        default:
            return .string(scalar.string)
        }
    }

    private static func describe(_ error: any Error) -> String {
        String(describing: error)
            .split(separator: "\n")
            .first
            .map(String.init) ?? "\(error)"
    }
}

extension DocumentReader.Failure {
    fileprivate static let yamlPrefix = "invalid YAML: "

    /// Whether Yams refused the text, as opposed to a limit or a key this reader refuses.
    fileprivate var isYAMLSyntax: Bool { path.isEmpty && message.hasPrefix(Self.yamlPrefix) }
}
