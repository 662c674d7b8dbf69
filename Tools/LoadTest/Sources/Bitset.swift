/// A set of small non-negative integers (message numbers), a bit each.
public struct Bitset: Sendable, Equatable {
    private var words: [UInt64] = []

    public init() {}

    /// Adds `value`; false if it was there already.
    @discardableResult
    public mutating func insert(_ value: Int) -> Bool {
        precondition(value >= 0)
        let (word, bit) = value.quotientAndRemainder(dividingBy: 64)
        if word >= self.words.count { self.words.append(contentsOf: repeatElement(0, count: word - self.words.count + 1)) }
        let mask: UInt64 = 1 << UInt64(bit)
        defer { self.words[word] |= mask }
        return self.words[word] & mask == 0
    }

    public func contains(_ value: Int) -> Bool {
        guard value >= 0 else { return false }
        let (word, bit) = value.quotientAndRemainder(dividingBy: 64)
        return word < self.words.count && self.words[word] & (1 << UInt64(bit)) != 0
    }

    public var count: Int { self.words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The members of `self` missing from `other`.
    public func subtracting(_ other: Bitset) -> Int {
        var missing = 0
        for (index, word) in self.words.enumerated() {
            let theirs = index < other.words.count ? other.words[index] : 0
            missing += (word & ~theirs).nonzeroBitCount
        }
        return missing
    }
}
