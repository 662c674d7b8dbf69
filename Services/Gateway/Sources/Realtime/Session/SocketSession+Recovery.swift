import Auth
import ChatModels
import EventBus
import Foundation
import HTTPTypes
import Logging
import NIOCore
import ServiceClients
import ServiceKit
import SocketIO

/// Connection-state recovery: a client back within the window, with the `pid` its dropped
/// session left and the offset of the last event it saw, gets that session's ids and rooms
/// again and the messages it missed, before the CONNECT reply says `recovered`.
extension SocketSession {
    func recover(_ record: RecoveryRecord, offset: String?, verified: VerifiedToken, token: String, recovery: SessionRecovery) async {
        guard let points = record.resumePoints(offset: offset) else {
            return self.startAfresh(verified, token: token, reason: "its rooms' logs no longer reach its offset")
        }
        let ids = SocketConnection.SocketIDs(sid: record.sid, pid: record.pid)
        self.connection.authenticate(verified, token: token, ids: ids)
        self.connection.hold()
        var replay: [ByteBuffer] = []
        var replayed: [String: Int64] = [:]
        do {
            for point in points {
                // Only a member gets a room back (one may have been removed meanwhile).
                do {
                    _ = try await self.context.messages.membership(point.conversation, token: token)
                } catch let error as APIError where error.status == .forbidden || error.status == .notFound {
                    continue
                }
                // Back in the room before reading what was missed, so nothing newer is lost:
                // a message both read and heard goes once, the replayed copy.
                try await self.context.fanout.join(self.connection, conversation: point.conversation, lastSeq: point.after)
                let channel = BusChannel.conversation(point.conversation)
                var after = point.after
                while true {
                    let page = try await self.context.messages.history(point.conversation, after: after, limit: 200, token: token)
                    for message in page.messages {
                        let offset = self.context.fanout.rooms.nextOffset()
                        replay.append(SocketIOFrame.event(ServerEvent.newMessage.rawValue, data: message.json, offset: offset))
                    }
                    after = page.messages.last?.seq ?? after
                    guard replay.count <= SessionRecovery.maxReplayed else {
                        return await self.abandonRecovery(reason: "it missed more than \(SessionRecovery.maxReplayed) messages")
                    }
                    guard page.hasMore else { break }
                }
                replayed[channel] = after
                self.context.fanout.rooms.raiseFloor(self.connection, in: channel, to: after)
            }
        } catch {
            return await self.abandonRecovery(reason: "\(error)")
        }
        self.context.presence.report(.connected, self.connection)
        self.connection.recovered(replay: replay, replayed: replayed, reply: ids.connectedFrame)
        self.logger.debug(
            "recovered",
            metadata: ["user.id": "\(verified.identity.userID)", "rooms": "\(points.count)", "replayed": "\(replay.count)"]
        )
    }

    /// The old session cannot be given back exactly: a new one, as if the client had not asked.
    private func startAfresh(_ verified: VerifiedToken, token: String, reason: String) {
        self.logger.debug("not recovering a session", metadata: ["user.id": "\(verified.identity.userID)", "reason": "\(reason)"])
        self.start(verified, token: token)
    }

    /// Recovery failed halfway, rooms joined: the transport is closed, and the client's next
    /// attempt (its record is gone) starts afresh.
    private func abandonRecovery(reason: String) async {
        self.logger.info("recovery failed; closing the connection", metadata: ["reason": "\(reason)"])
        await self.context.fanout.unregister(self.connection)
        self.connection.signOut()
        self.connection.close(.ended)
    }
}
