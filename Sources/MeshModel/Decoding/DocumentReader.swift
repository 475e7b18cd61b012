import Yams

/// Turns YAML or JSON text into document trees.
///
/// Scalars resolve as in YAML 1.2's core schema: quoted text is always a string (`"80"`), plain
/// `80` an integer, `1.5` a number, `true`/`false` booleans, `null`/`~`/empty null. YAML 1.1's
/// `yes`/`no`/`on`/`off` stay strings, as do timestamps.
enum DocumentReader {
    struct Failure: Error {
        var document: Int
        var path: String
        var message: String
    }

    /// Every document of the text, in order; empty documents included as `.null`.
    static func read(_ text: String) throws(Failure) -> [JSONValue] {
        var documents: [JSONValue] = []
        do {
            var sequence = try Yams.compose_all(yaml: text)
            while let node = sequence.next() {
                documents.append(try convert(node, path: "", document: documents.count + 1))
            }
            if let error = sequence.error { throw error }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(document: documents.count + 1, path: "", message: "invalid YAML: \(describe(error))")
        }
        return documents
    }

    private static func convert(_ node: Node, path: String, document: Int) throws(Failure) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return resolve(scalar)
        case .sequence(let sequence):
            var array: [JSONValue] = []
            for (index, element) in sequence.enumerated() {
                array.append(try convert(element, path: path + "[\(index)]", document: document))
            }
            return .array(array)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw Failure(document: document, path: path, message: "map keys must be strings")
                }
                let name = keyScalar.string
                let childPath = path.isEmpty ? name : path + "." + name
                guard object[name] == nil else {
                    throw Failure(document: document, path: childPath, message: "duplicate key")
                }
                object[name] = try convert(value, path: childPath, document: document)
            }
            return .object(object)
        case .alias:
            // Yams resolves aliases to the anchored node while composing; nothing is left to follow.
            return .null
        }
    }

    private static let yaml11Booleans: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ]

    private static func resolve(_ scalar: Node.Scalar) -> JSONValue {
        guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
        let node = Node.scalar(scalar)
        switch node.tag.rawValue {
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue:
            guard !yaml11Booleans.contains(scalar.string), let flag = node.bool else { return .string(scalar.string) }
            return .bool(flag)
        case Tag.Name.int.rawValue:
            guard let integer = node.int else { return .string(scalar.string) }
            return .int(Int64(integer))
        case Tag.Name.float.rawValue:
            guard let number = node.float else { return .string(scalar.string) }
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
