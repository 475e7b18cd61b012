/// A DNS message (RFC 1035 §4.1): header and the four sections.
///
/// ```swift
/// let query = try DNSMessage(bytes: datagram)
/// let reply = DNSMessage(header: query.header.response(code: .noError, …), questions: query.questions, …)
/// let datagram = try reply.encoded()
/// ```
public struct DNSMessage: Sendable, Hashable {
    /// The largest answer over UDP to a query without EDNS (RFC 1035 §2.3.4).
    public static let classicUDPLimit = 512

    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authorities: [DNSRecord]
    public var additionals: [DNSRecord]

    public init(
        header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSRecord] = [], authorities: [DNSRecord] = [],
        additionals: [DNSRecord] = []
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// Reads a whole message; any malformed part (or bytes after the last record) throws.
    public init(bytes: [UInt8]) throws(DNSWireError) {
        var reader = DNSWireReader(bytes)
        header = DNSHeader(id: try reader.readUInt16(), flags: try reader.readUInt16())
        let counts = [try reader.readUInt16(), try reader.readUInt16(), try reader.readUInt16(), try reader.readUInt16()]
        // Counts are only claims: each entry is read from the bytes, which run out first.
        questions = []
        for _ in 0..<counts[0] {
            let name = try reader.readName()
            questions.append(
                DNSQuestion(
                    name: name, type: DNSRecordType(rawValue: try reader.readUInt16()), dnsClass: try reader.readUInt16()))
        }
        var sections: [[DNSRecord]] = [[], [], []]
        for section in 0..<3 {
            for _ in 0..<counts[section + 1] { sections[section].append(try DNSRecord(reading: &reader)) }
        }
        answers = sections[0]
        authorities = sections[1]
        additionals = sections[2]
        guard reader.remaining == 0 else { throw DNSWireError(.trailingBytes, at: reader.offset) }
    }

    /// The ID of a message, without reading the rest (nil when shorter than the ID).
    public static func id(of bytes: [UInt8]) -> UInt16? {
        bytes.count >= 2 ? UInt16(bytes[0]) << 8 | UInt16(bytes[1]) : nil
    }

    /// The UDP payload size the sender's OPT record advertises (RFC 6891), nil without EDNS.
    public var ednsUDPPayloadSize: Int? {
        additionals.first { $0.type == .opt }.map { Int($0.dnsClass) }
    }

    public func encoded() throws(DNSWireError) -> [UInt8] {
        var writer = DNSWireWriter()
        writer.write(header.id)
        writer.write(header.flags)
        for count in [questions.count, answers.count, authorities.count, additionals.count] {
            guard count <= Int(UInt16.max) else { throw DNSWireError(.messageTooLong) }
            writer.write(UInt16(count))
        }
        for question in questions {
            writer.write(question.name)
            writer.write(question.type.rawValue)
            writer.write(question.dnsClass)
        }
        for record in answers + authorities + additionals { record.write(to: &writer) }
        guard writer.count <= Int(UInt16.max) else { throw DNSWireError(.messageTooLong, at: writer.count) }
        return writer.bytes
    }

    /// The message encoded to fit in `limit` octets: when it does not, the records are left out
    /// and TC is set (RFC 2181 §9), so the client asks again over TCP; an OPT record stays.
    public func encoded(limit: Int) throws(DNSWireError) -> [UInt8] {
        let bytes = try encoded()
        guard bytes.count > limit else { return bytes }
        var truncated = DNSMessage(
            header: header, questions: questions, additionals: additionals.filter { $0.type == .opt })
        truncated.header.isTruncated = true
        let short = try truncated.encoded()
        guard short.count > limit else { return short }
        truncated.questions = []  // only a message with many questions is still too long
        return try truncated.encoded()
    }
}
