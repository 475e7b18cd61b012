/// Reads a DNS message's fields with every access bounds-checked: hostile bytes end in a
/// `DNSWireError`, never a trap.
package struct DNSWireReader {
    package let bytes: [UInt8]
    package private(set) var offset: Int

    package init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    package var remaining: Int { bytes.count - offset }

    package mutating func readUInt8() throws(DNSWireError) -> UInt8 {
        guard offset < bytes.count else { throw DNSWireError(.truncated, at: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    package mutating func readUInt16() throws(DNSWireError) -> UInt16 {
        guard remaining >= 2 else { throw DNSWireError(.truncated, at: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    package mutating func readUInt32() throws(DNSWireError) -> UInt32 {
        UInt32(try readUInt16()) << 16 | UInt32(try readUInt16())
    }

    package mutating func readBytes(_ count: Int) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw DNSWireError(.truncated, at: offset) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A name, following compression pointers (RFC 1035 §4.1.4). Each pointer must point before
    /// the start of the part of the name that holds it, so pointers only go backward and a loop
    /// (or a pointer to itself or forward) is refused; `limit` is where the name must end (the end
    /// of a record's data, for names inside it). A name follows at most `maxPointers` pointers: a
    /// chain of backward pointers adds nothing to its length, and every name pointing at the end of
    /// a long chain would walk all of it again (thousands of hops per name, per record).
    /// A legal name (at most 255 octets) has at most 127 labels, so it needs no more pointers.
    package static let maxPointers = 127

    package mutating func readName(limit: Int? = nil) throws(DNSWireError) -> DNSName {
        let end = min(limit ?? bytes.count, bytes.count)
        var labels: [[UInt8]] = []
        var position = offset
        var partStart = offset
        var wireLength = 1
        var resume: Int?
        var pointers = 0
        while true {
            guard position < end || (resume != nil && position < bytes.count) else {
                throw DNSWireError(.truncated, at: position)
            }
            let length = Int(bytes[position])
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    position += 1
                    if resume == nil { resume = position }
                    guard let resume, resume <= end else { throw DNSWireError(.truncated, at: position) }
                    offset = resume
                    return DNSName(uncheckedLabels: labels)
                }
                let labelEnd = position + 1 + length
                let bound = resume == nil ? end : bytes.count
                guard labelEnd <= bound else { throw DNSWireError(.truncated, at: position) }
                wireLength += length + 1
                guard wireLength <= DNSName.maxWireLength else { throw DNSWireError(.nameTooLong, at: position) }
                labels.append(Array(bytes[position + 1..<labelEnd]))
                position = labelEnd
            case 0xC0:
                let bound = resume == nil ? end : bytes.count
                guard position + 2 <= bound else { throw DNSWireError(.truncated, at: position) }
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < partStart else { throw DNSWireError(.badPointer, at: position) }
                pointers += 1
                guard pointers <= Self.maxPointers else { throw DNSWireError(.badPointer, at: position) }
                if resume == nil { resume = position + 2 }
                position = target
                partStart = target
            default:
                throw DNSWireError(.badLabelType, at: position)
            }
        }
    }
}
