import Redis

/// Trims from a stream what every consumer group has settled: delivered and acknowledged.
/// A handled entry stays in the stream after its XACK, and `MAXLEN` alone would keep a
/// million of them (up to 128 KiB each); trimming to the oldest entry some group still
/// needs — its oldest pending entry, or else the last it was delivered — frees them as
/// soon as they are done, whatever the traffic.
enum SettledTrim {
    static let script = """
        local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
        if #groups == 0 then return 0 end
        local function before(a, b)
          local am, as = string.match(a, '(%d+)-(%d+)')
          local bm, bs = string.match(b, '(%d+)-(%d+)')
          am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
          return am < bm or (am == bm and as < bs)
        end
        local floor = nil
        for _, group in ipairs(groups) do
          local info = {}
          for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
          local keep = info['last-delivered-id']
          if info['pending'] > 0 then keep = redis.call('XPENDING', KEYS[1], info['name'])[2] end
          if floor == nil or before(keep, floor) then floor = keep end
        end
        return redis.call('XTRIM', KEYS[1], 'MINID', floor)
        """

    /// Trims `stream`; returns how many entries went.
    static func trim(_ stream: String, redis: RedisClient) async throws -> Int {
        try await redis.send(RedisCommand("EVAL", .string(Self.script), .integer(1), .string(stream))).int ?? 0
    }
}
