import Foundation
import HTTPTypes
import ServiceConfiguration

extension HTTPField.Name {
    /// The client's address as the gateway determined it, for the services behind it (rate
    /// limits). The gateway sets it on every request it forwards, replacing what a client sent.
    public static let clientAddress = Self("X-Client-Address")!
    /// The authority the client asked for (its `Host`), which the gateway sets on every
    /// request it forwards, replacing what a client sent: a service compares `Origin` to it.
    public static let forwardedHost = Self("X-Forwarded-Host")!
}

/// Where a request really comes from: the peer, unless the peer is a trusted proxy (the load
/// balancer), whose `X-Forwarded-For` then names the hop before it, and so on. Entries a
/// client wrote itself sit left of the first untrusted hop and are never believed.
public enum ClientAddress {
    public static func resolve(peer: String?, forwardedFor: String?, trusted: Set<String>) -> String? {
        guard var address = peer else { return nil }
        var hops = (forwardedFor ?? "").commaSeparatedItems
        while trusted.contains(address), let previous = hops.popLast() {
            address = previous
        }
        return address
    }
}
