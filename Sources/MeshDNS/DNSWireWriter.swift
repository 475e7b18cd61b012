/// Writes a DNS message, compressing names against the names (and their suffixes) already written.
struct DNSWireWriter {
    private(set) var bytes: [UInt8] = []
    /// Where each name written so far starts, for compression pointers (offsets below 0x4000 only).
    private var offsets: [DNSName: Int] = [:]

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func write(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func write(_ value: UInt32) {
        write(UInt16(value >> 16))
        write(UInt16(value & 0xFFFF))
    }

    mutating func write(_ values: [UInt8]) {
        bytes.append(contentsOf: values)
    }

    mutating func overwrite(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }

    /// `compress: false` for names in record data of types other resolvers may not decompress.
    mutating func write(_ name: DNSName, compress: Bool = true) {
        let labels = name.labels
        for index in labels.indices {
            let suffix = DNSName(uncheckedLabels: Array(labels[index...]))
            if compress, let target = offsets[suffix] {
                write(UInt16(0xC000) | UInt16(target))
                return
            }
            if compress, bytes.count < 0x4000 { offsets[suffix] = bytes.count }
            write(UInt8(labels[index].count))
            write(labels[index])
        }
        write(UInt8(0))
    }
}
