/// Status changes as Lua scripts, so that each is one atomic step in Redis however many
/// presence instances handle events at once. Each returns whether the user's visible
/// status changed: 1 online, 2 offline, 0 no change, -1 ignored.
enum PresenceScripts {
    /// KEYS: connections, gateway set, hidden, tombstone, online. ARGV: user member, gateway member, user id.
    /// The online set follows every status script, so that it always holds who others see online.
    static let connect = """
        if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
        local added = redis.call('SADD', KEYS[1], ARGV[1])
        redis.call('SADD', KEYS[2], ARGV[2])
        if redis.call('SISMEMBER', KEYS[3], ARGV[3]) == 1 then return 0 end
        redis.call('SADD', KEYS[5], ARGV[3])
        if added == 1 and redis.call('SCARD', KEYS[1]) == 1 then return 1 end
        return 0
        """

    /// KEYS: connections, gateway set, hidden, tombstone, last seen, heartbeats, online. ARGV: user member,
    /// gateway member, user id, now, and '' for a gateway's own report or, for a sweep of a gateway
    /// declared dead, its id: then a gateway beating again keeps the connection (-1), and no
    /// tombstone is left, so that it may report the connection again.
    /// Appearing offline ends with the last connection.
    static let disconnect = """
        if ARGV[5] == '' then
            redis.call('SET', KEYS[4], '1', 'EX', 120)
        elseif redis.call('ZSCORE', KEYS[6], ARGV[5]) then
            return -1
        end
        local removed = redis.call('SREM', KEYS[1], ARGV[1])
        redis.call('SREM', KEYS[2], ARGV[2])
        if removed == 1 and redis.call('SCARD', KEYS[1]) == 0 then
            redis.call('SET', KEYS[5], ARGV[4])
            redis.call('SREM', KEYS[7], ARGV[3])
            if redis.call('SREM', KEYS[3], ARGV[3]) == 0 then return 2 end
        end
        return 0
        """

    /// KEYS: connections, hidden, last seen, online. ARGV: user id, "1" to appear online or "0" offline, now.
    static let visibility = """
        local count = redis.call('SCARD', KEYS[1])
        if ARGV[2] == '1' then
            if count > 0 then redis.call('SADD', KEYS[4], ARGV[1]) end
            if redis.call('SREM', KEYS[2], ARGV[1]) == 1 and count > 0 then return 1 end
            return 0
        end
        if count == 0 then return 0 end
        redis.call('SREM', KEYS[4], ARGV[1])
        if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
            redis.call('SET', KEYS[3], ARGV[3])
            return 2
        end
        return 0
        """

    /// Puts a user in the online set or takes them out, from their connections and choice.
    /// KEYS: connections, hidden, online. ARGV: user id.
    static let reconcileOnline = """
        if redis.call('SCARD', KEYS[1]) > 0 and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
            return redis.call('SADD', KEYS[3], ARGV[1])
        end
        return -redis.call('SREM', KEYS[3], ARGV[1])
        """

    /// Claims the gateways silent since the deadline, and those whose sweep's lease ran out (the
    /// instance sweeping them died or failed), each for one instance until the lease ends.
    /// KEYS: heartbeats, sweeping. ARGV: deadline, now, lease end, how many at most.
    static let claimDeadGateways = """
        local claimed = {}
        for _, gateway in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, ARGV[4])) do
            redis.call('ZADD', KEYS[2], ARGV[3], gateway)
            table.insert(claimed, gateway)
        end
        for _, gateway in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[4])) do
            redis.call('ZREM', KEYS[1], gateway)
            redis.call('ZADD', KEYS[2], ARGV[3], gateway)
            table.insert(claimed, gateway)
        end
        return claimed
        """
}
