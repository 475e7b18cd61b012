import Foundation
import Logging
public import MeshAPI
import MeshModel

extension Registry {
    /// Makes the ServiceEntry instances match `config`: call it with every config state (the
    /// role does, given `configUpdates`). Added, changed and removed instances are published as
    /// one revision; nothing is published when they are unchanged. An endpoint whose id is taken
    /// by an API registration is skipped.
    public func applyConfig(_ config: ConfigState) {
        guard !isShutDown, config.revision != lastConfigRevision else { return }
        lastConfigRevision = config.revision
        applyServiceEntries(config, resolved: [:])
    }

    /// `applyConfig(_:)` with the answers for the names of `resolution: DNS` and
    /// `DNS_ROUND_ROBIN` ServiceEntries (name → addresses, see `ServiceEntryDNSMapping`), which
    /// `ServiceEntryResolver` keeps and passes with every config state and every changed answer.
    /// A name without an answer yet adds no instance.
    public func applyServiceEntries(_ config: ConfigState, resolved: [String: [String]]) {
        guard !isShutDown else { return }
        let now = Date()
        var desired: [String: Instance] = [:]
        for stored in config.resources(of: .serviceEntry) {
            let candidates =
                ServiceEntryMapping.instances(of: stored.resource, now: now)
                + ServiceEntryDNSMapping.instances(of: stored.resource, resolved: resolved, now: now)
            for candidate in candidates {
                if let taken = instance(candidate.id), taken.source == .api {
                    logger.debug(
                        "ServiceEntry endpoint skipped: an API instance has its id",
                        metadata: ["instance.id": "\(candidate.id)"])
                    continue
                }
                desired[candidate.id] = candidate
            }
        }
        var changes: [(id: String, instance: Instance?)] = []
        for id in serviceEntryIDs where desired[id] == nil { changes.append((id: id, instance: nil)) }
        for (id, var candidate) in desired {
            if let existing = instance(id) {
                candidate.registeredAt = existing.registeredAt
                candidate.healthChangedAt = existing.healthChangedAt
                if existing == candidate { continue }
            }
            changes.append((id: id, instance: candidate))
        }
        serviceEntryIDs = Set(desired.keys)
        commit(changes)
    }
}
