public import Foundation
import Yams

/// Writes resources back as YAML or JSON, with keys in a stable (sorted) order and absent fields omitted.
///
/// For people and clients: `Secret` values come out redacted (`CodingUserInfoKey.redactSecrets`).
public enum ResourceEncoder {
    /// YAML documents separated by `---`.
    public static func yaml(_ resources: [Resource]) -> String {
        resources.map { resource in
            // Through the JSON tree rather than YAMLEncoder, so numbers read as written (`0.5`, not `5e-1`).
            let node = (try? JSONDecoder().decode(JSONValue.self, from: jsonData(resource))).map(yamlNode) ?? Node("")
            return (try? Yams.serialize(node: node, width: -1, sortKeys: true)) ?? ""
        }
        .joined(separator: "---\n")
    }

    /// One JSON object.
    public static func json(_ resource: Resource, prettyPrinted: Bool = true) -> String {
        encode(resource, prettyPrinted: prettyPrinted)
    }

    /// A JSON array of objects.
    public static func json(_ resources: [Resource], prettyPrinted: Bool = true) -> String {
        encode(resources, prettyPrinted: prettyPrinted)
    }

    /// Data for a JSON object, as the admin API sends it.
    public static func jsonData(_ resource: Resource) -> Data {
        (try? makeJSONEncoder(prettyPrinted: false).encode(resource)) ?? Data()
    }

    private static func encode(_ value: some Encodable, prettyPrinted: Bool) -> String {
        let data = (try? makeJSONEncoder(prettyPrinted: prettyPrinted).encode(value)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func makeJSONEncoder(prettyPrinted: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.userInfo[.redactSecrets] = true
        encoder.outputFormatting =
            prettyPrinted
            ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static func yamlNode(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .int(let integer): return Node(String(integer), Tag(.int))
        case .double(let number): return Node(String(number), Tag(.float))
        case .string(let text): return .scalar(text.represented())
        case .array(let items): return .sequence(Node.Sequence(items.map(yamlNode)))
        case .object(let object):
            return .mapping(Node.Mapping(object.keys.sorted().map { (Node($0), yamlNode(object[$0] ?? .null)) }))
        }
    }
}
