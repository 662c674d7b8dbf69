/// The last `capacity` ids seen, to deliver an event once however often it is published.
struct RecentIDs {
    private var seen: Set<String> = []
    private var order: [String] = []
    private var next = 0
    let capacity: Int

    /// Grows as ids come, not reserved up front: a room that hears little costs little.
    init(capacity: Int = 512) {
        self.capacity = capacity
    }

    /// Records `id`; false if it was already among the recent ones.
    mutating func insert(_ id: String) -> Bool {
        guard self.seen.insert(id).inserted else { return false }
        if self.order.count < self.capacity {
            self.order.append(id)
        } else {
            self.seen.remove(self.order[self.next])
            self.order[self.next] = id
            self.next = (self.next + 1) % self.capacity
        }
        return true
    }
}
