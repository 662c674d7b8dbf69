import Logging
import ServiceKit

/// What every connection's session shares.
struct RealtimeContext: Sendable {
    let settings: RealtimeSettings
    let tokens: TokenAuthority
    let rooms: RoomRegistry
    let commands: CommandClient
    let presence: PresenceReporter
    let messages: MessagesAPI
    let logger: Logger
}
