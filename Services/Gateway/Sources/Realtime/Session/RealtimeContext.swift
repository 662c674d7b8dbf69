import EventBus
import Logging
import ServiceClients
import ServiceKit

/// What every connection's session shares.
struct RealtimeContext: Sendable {
    let settings: RealtimeSettings
    let tokens: TokenAuthority
    let fanout: Fanout
    let commands: CommandClient
    let presence: PresenceReporter
    let messages: MessagesClient
    let memberships: Memberships
    /// Connection-state recovery, when on.
    let recovery: SessionRecovery?
    let logger: Logger
}
