import Foundation

/// One `-----BEGIN LABEL-----` … `-----END LABEL-----` block of PEM text, decoded.
struct PEMBlock: Equatable {
    var label: String
    var der: [UInt8]

    struct Failure: Error, Equatable {
        var reason: String
    }

    /// Every block of `text`, in order. Text outside blocks is ignored (as OpenSSL does), but a
    /// block that does not close, has headers (legacy encryption) or holds bad base64 is an error.
    static func parseAll(_ text: String) throws(Failure) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var open: (label: String, body: String)?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.contains("-----BEGIN "), !line.hasPrefix("-----BEGIN ") {
                throw Failure(
                    reason: "a BEGIN line must start a line of its own (files concatenated without a final newline?)"
                )
            }
            if let label = marker(line, "BEGIN") {
                guard open == nil else {
                    throw Failure(reason: "BEGIN \(label) inside an unterminated \(open!.label) block")
                }
                open = (label, "")
            } else if let label = marker(line, "END") {
                guard let current = open, current.label == label else {
                    throw Failure(reason: "END \(label) without a matching BEGIN")
                }
                guard let der = Data(base64Encoded: current.body), !der.isEmpty else {
                    throw Failure(reason: "the \(label) block is not valid base64")
                }
                blocks.append(PEMBlock(label: label, der: Array(der)))
                open = nil
            } else if open != nil {
                if line.contains(":") {
                    throw Failure(
                        reason:
                            "the \(open!.label) block has PEM headers (an encrypted key?); meshbox needs unencrypted PEM"
                    )
                }
                open!.body += line
            }
        }
        if let open { throw Failure(reason: "the \(open.label) block has no END line") }
        return blocks
    }

    private static func marker(_ line: String, _ word: String) -> String? {
        let prefix = "-----\(word) "
        guard line.hasPrefix(prefix), line.hasSuffix("-----"), line.count > prefix.count + 5 else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(5))
    }
}
