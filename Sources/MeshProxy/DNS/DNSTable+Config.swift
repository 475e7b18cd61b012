public import MeshAPI
public import MeshDNS

extension DNSTable {
    /// The table of a config state's services (`ConfigState.meshServices(registry:)`), as the
    /// proxy builds it from the snapshot the compiler makes of the same state
    /// (`init(services:domain:revision:)`).
    public init(config: ConfigState, domain: DNSName) {
        self.init(services: config.meshServices(), domain: domain, revision: config.revision)
    }
}
