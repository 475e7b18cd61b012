/// Finds YAML anchors (`&name`) and aliases (`*name`) without letting Yams expand them.
///
/// Composing is already where an alias bomb costs: Yams shares an aliased node, but hashes a
/// mapping key in full to find duplicates, so a key that is an alias of a nine-level "billion
/// laughs" takes exponential time before any of our code sees the tree; converting the tree to
/// `JSONValue` then copies every alias out (450 bytes became 5.2 GB). So the text is screened
/// first: every `&` or `*` followed by a name character is a candidate (a superset of what
/// libyaml reads as an anchor or alias; the rest are in quoted strings, plain text or comments).
/// Text without candidates, nearly every manifest, is composed as it is. Otherwise `markedText`
/// replaces each candidate's `&` or `*` with a private-use character: it holds no alias at all,
/// so it composes in linear time, and a real anchor or alias becomes a plain scalar that starts
/// with the mark, which `DocumentReader` refuses with its field path. A candidate inside a
/// string or comment only changes that string, so when no plain scalar starts with a mark, the
/// original text has no anchor or alias and is safe to compose.
struct AnchorScreen {
    /// What replaces the `&` of a candidate in `markedText`.
    static let anchorMark: Unicode.Scalar = "\u{E000}"
    /// What replaces the `*` of a candidate in `markedText`.
    static let aliasMark: Unicode.Scalar = "\u{E001}"

    struct Candidate: Equatable {
        /// `&name` or `*name` (the name cut at 64 characters).
        var text: String
        /// 1-based, counted in Unicode scalars as libyaml counts them.
        var line: Int
        var column: Int
    }

    /// The first candidate where a node can start (only indentation or one of `- : ? [ { ,`
    /// before it on its line), so likely a real anchor or alias: what an error names when the
    /// marked text does not parse.
    private(set) var firstAtNodeStart: Candidate?
    /// The text with each candidate's indicator replaced by its mark; nil without candidates.
    private(set) var markedText: String?

    init(_ text: String) {
        // Fast path: most manifests hold neither indicator.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "*") }) else { return }
        let scalars = text.unicodeScalars
        var marked = String.UnicodeScalarView()
        marked.reserveCapacity(text.utf8.count)
        var found = false
        var line = 1
        var column = 1
        var lastNonBlank: Unicode.Scalar?
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            let following = next < scalars.endIndex ? scalars[next] : nil
            if scalar == "&" || scalar == "*", let following, Self.isNameCharacter(following) {
                found = true
                if firstAtNodeStart == nil, lastNonBlank.map({ "-:?[{,".unicodeScalars.contains($0) }) ?? true {
                    let name = scalars[next...].prefix(while: Self.isNameCharacter).prefix(64)
                    firstAtNodeStart = Candidate(
                        text: String(Character(scalar)) + String(String.UnicodeScalarView(name)),
                        line: line,
                        column: column
                    )
                }
                marked.append(scalar == "&" ? Self.anchorMark : Self.aliasMark)
            } else {
                marked.append(scalar)
            }
            if scalar == "\n" || (scalar == "\r" && following != "\n") {
                line += 1
                column = 1
                lastNonBlank = nil
            } else {
                column += 1
                if scalar != " " && scalar != "\t" { lastNonBlank = scalar }
            }
            index = next
        }
        if found { markedText = String(marked) }
    }

    /// libyaml's anchor name characters: ASCII letters, digits, `_` and `-`.
    static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "0"..."9", "a"..."z", "A"..."Z", "_", "-": true
        default: false
        }
    }

    /// The anchor or alias a plain scalar of `markedText` stands for (`&name`, `*name`), if it starts with a mark.
    static func markedName(_ plainScalar: String) -> String? {
        guard let first = plainScalar.unicodeScalars.first, first == anchorMark || first == aliasMark else {
            return nil
        }
        let name = plainScalar.unicodeScalars.dropFirst().prefix(while: isNameCharacter)
        return (first == anchorMark ? "&" : "*") + String(String.UnicodeScalarView(name))
    }
}
