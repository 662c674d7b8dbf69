import ServiceKit
import Testing

/// Which address a request comes from, believing only trusted proxies.
@Suite struct ClientAddressTests {
    let proxies: Set<String> = ["127.0.0.1", "10.0.0.2"]

    @Test func aDirectClientIsItsPeerWhateverItForwards() {
        #expect(ClientAddress.resolve(peer: "203.0.113.7", forwardedFor: nil, trusted: self.proxies) == "203.0.113.7")
        #expect(ClientAddress.resolve(peer: "203.0.113.7", forwardedFor: "1.2.3.4", trusted: self.proxies) == "203.0.113.7")
    }

    @Test func behindTrustedProxiesItIsTheLastHopTheyDidNotAdd() {
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "198.51.100.9", trusted: self.proxies) == "198.51.100.9")
        // A client's own X-Forwarded-For entry sits left of the hop the proxy added: ignored.
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "6.6.6.6, 198.51.100.9", trusted: self.proxies) == "198.51.100.9")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "198.51.100.9, 10.0.0.2", trusted: self.proxies) == "198.51.100.9")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: nil, trusted: self.proxies) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: "1.2.3.4", trusted: self.proxies) == nil)
    }
}
